/**
 * The four modes over real HTTP on loopback with the real tiny model, called with the official `openai` client:
 * the gateway's answers and scores equal the same sampler and judge called directly, decisions follow
 * score >= tau, declines are assistant messages (or 422), streaming gives the same text, best-of-n returns the
 * argmax, shadow answers at once and logs the decision it would have made, cascade answers from the fallback.
 */
import OpenAI, { UnprocessableEntityError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { createOpenAIBackend, startOpenAIServer, type OpenAIServer } from '@selfj/backend-openai';
import { BackendSampler, DEFAULT_TEMPLATES } from '@selfj/core/stages';
import { MODEL_MISSING, TEST_MODEL, haveModel, until, writeThreshold } from './helpers.js';
import { readLog, startTestGateway, type TestGateway } from './fixture.js';

const PROMPTS = ['Tell me a story about a dog.', 'Write a poem about the sea.', 'Name a fruit.'];
const chat = (content: string) => [{ role: 'user' as const, content }];
type Selfj = { score: number | null; tau: number | null; decision: string; reason: string; mode: string; source: string; candidates?: { index: number; score: number }[]; chosen?: number };
const selfjOf = (x: unknown) => (x as { selfj: Selfj }).selfj;

describe.skipIf(!haveModel)('gateway modes on the real tiny model (openai client)', () => {
  let t: TestGateway;
  let client: OpenAI;
  let fallbackServer: OpenAIServer;
  let fallbackModel: LlamaCppBackend;

  /** A tau between the lowest and highest of `scores`, so that some answer and some decline. */
  async function tauBetween(scores: number[]): Promise<number> {
    const s = [...scores].sort((a, b) => a - b);
    expect(s[0]).toBeLessThan(s[s.length - 1]);
    const tau = (s[0] + s[s.length - 1]) / 2;
    await writeThreshold(t.thresholdFile, tau, t.judge);
    expect((await t.gw.reload('test')).ok).toBe(true);
    expect(t.gw.live.threshold.tau).toBe(tau);
    return tau;
  }

  beforeAll(async () => {
    // The cascade's fallback is another server: `selfj serve` machinery over its own copy of the model.
    fallbackModel = await LlamaCppBackend.load(TEST_MODEL, { threads: 1, contextSize: 512 });
    fallbackServer = await startOpenAIServer({ backend: fallbackModel, host: '127.0.0.1', port: 0, modelName: 'big' });
    const fallback = new BackendSampler(await createOpenAIBackend(`${fallbackServer.url}#big`, { env: {} }), DEFAULT_TEMPLATES.sample, 4);
    t = await startTestGateway({ gateway: { allowModes: ['gate', 'best-of-n', 'cascade', 'shadow'] } }, { extra: { fallback } });
    client = new OpenAI({ baseURL: t.gw.url, apiKey: 'unused', maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await fallbackServer?.close();
    await fallbackModel?.close();
  });

  it('gate answers above tau with exactly the upstream answer and its score, declines below', async () => {
    const want = await Promise.all(PROMPTS.map((p) => t.expected(p, 11, { messages: chat(p) })));
    const tau = await tauBetween(want.map((w) => w.score));
    for (const [i, prompt] of PROMPTS.entries()) {
      const { data, response } = await client.chat.completions.create({ model: 'tiny', messages: chat(prompt), seed: 11 }).withResponse();
      const s = selfjOf(data);
      expect(s.score).toBe(want[i].score);
      expect(response.headers.get('x-selfj-score')).toBe(String(want[i].score));
      expect(s.tau).toBe(tau);
      expect(response.headers.get('x-selfj-decision')).toBe(s.decision);
      // usage: the prompt as the upstream model read it (template included) and the tokens it generated, answered or not
      expect(want[i].answer.promptTokens).toBeGreaterThan(0);
      expect(data.usage).toEqual({
        prompt_tokens: want[i].answer.promptTokens,
        completion_tokens: want[i].answer.tokens,
        total_tokens: want[i].answer.promptTokens! + want[i].answer.tokens!,
      });
      if (want[i].score >= tau) {
        expect(s).toMatchObject({ decision: 'answer', source: 'primary', reason: `score ${want[i].score.toFixed(3)} >= tau ${tau.toFixed(3)}` });
        expect(data.choices[0].message.content).toBe(want[i].answer.text);
      } else {
        expect(s).toMatchObject({ decision: 'decline', source: 'none', reason: `score ${want[i].score.toFixed(3)} < tau ${tau.toFixed(3)}` });
        expect(data.choices[0].message.content).toBe(`I can't answer this reliably, so I won't (${s.reason}).`);
        expect(data.choices[0].message.refusal).toBe(data.choices[0].message.content);
      }
    }
  }, 60_000);

  it('completions: the prompt is the instruction, answered with the sample template exactly as selfj sample does', async () => {
    const want = await Promise.all(PROMPTS.map((p) => t.expected(p, 5)));
    const tau = await tauBetween(want.map((w) => w.score));
    for (const [i, prompt] of PROMPTS.entries()) {
      const r = await client.completions.create({ model: 'tiny', prompt, seed: 5 });
      expect(selfjOf(r).score).toBe(want[i].score);
      if (want[i].score >= tau) expect(r.choices[0].text).toBe(want[i].answer.text);
      else expect(selfjOf(r).decision).toBe('decline');
    }
  }, 60_000);

  it('streaming (chat and completions) sends the same text as non-streaming, the selfj object on the last chunk', async () => {
    for (const prompt of PROMPTS.slice(0, 2)) {
      const plain = await client.chat.completions.create({ model: 'tiny', messages: chat(prompt), seed: 11 });
      const stream = await client.chat.completions.create({ model: 'tiny', messages: chat(prompt), seed: 11, stream: true, stream_options: { include_usage: true } });
      let text = '';
      let last: Selfj | undefined;
      let usage: unknown;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        last = selfjOf(chunk) ?? last;
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe(plain.choices[0].message.content);
      expect(last?.score).toBe(selfjOf(plain).score);
      expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
    }
    const cs = await client.completions.create({ model: 'tiny', prompt: PROMPTS[0], seed: 11, stream: true });
    let text = '';
    for await (const c of cs) text += c.choices[0]?.text ?? '';
    expect(text).toBe((await client.completions.create({ model: 'tiny', prompt: PROMPTS[0], seed: 11 })).choices[0].text);
  }, 60_000);

  it('best-of-n samples n answers (seeds seed..seed+n-1), scores them all, returns the argmax or declines', async () => {
    const n = 4;
    const direct = await Promise.all(Array.from({ length: n }, (_, i) => t.expected(PROMPTS[0], 20 + i)));
    const best = direct.reduce((b, d, i) => (d.score > direct[b].score ? i : b), 0);
    for (const tau of [direct[best].score, direct[best].score + 1e-9]) {
      await writeThreshold(t.thresholdFile, tau, t.judge);
      await t.gw.reload('test');
      const r = await client.completions.create({ model: 'tiny', prompt: PROMPTS[0], seed: 20, selfj: { mode: 'best-of-n', n } } as never);
      const s = selfjOf(r);
      expect(s.candidates!.map((c) => c.score)).toEqual(direct.map((d) => d.score));
      expect(s.chosen).toBe(best);
      expect(s.score).toBe(direct[best].score);
      if (tau === direct[best].score) {
        expect(s.decision).toBe('answer'); // score >= tau, as selfj select decides
        expect(r.choices[0].text).toBe(direct[best].answer.text);
      } else expect(s.decision).toBe('decline');
    }
  }, 60_000);

  it('declineAs error: a decline is HTTP 422 with a typed error, the selfj object and headers', async () => {
    const t2 = await startTestGateway({ gateway: { declineAs: 'error' } }, { tau: 9 });
    try {
      const c = new OpenAI({ baseURL: t2.gw.url, apiKey: 'unused', maxRetries: 0 });
      const err = await c.chat.completions.create({ model: 'tiny', messages: chat(PROMPTS[0]), seed: 11 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnprocessableEntityError);
      const e = err as UnprocessableEntityError;
      expect(e.error).toMatchObject({ code: 'selfj_declined', type: 'declined' });
      expect(e.headers?.get('x-selfj-decision')).toBe('decline');
    } finally {
      await t2.close();
    }
  }, 60_000);

  it('shadow answers without the judge and logs the decision it would have made', async () => {
    const want = await t.expected(PROMPTS[1], 11);
    await writeThreshold(t.thresholdFile, want.score + 1, t.judge); // it would decline
    await t.gw.reload('test');
    const r = await client.completions.create({ model: 'tiny', prompt: PROMPTS[1], seed: 11, selfj: { mode: 'shadow' } } as never);
    expect(r.choices[0].text).toBe(want.answer.text); // answered although the gate would decline
    expect(selfjOf(r)).toMatchObject({ mode: 'shadow', decision: 'answer', score: null });
    const id = r.id.replace(/^cmpl-/, '');
    await until(() => readLog(t.logFile).some((l) => l.id === id));
    const line = readLog(t.logFile).find((l) => l.id === id)!;
    expect(line).toMatchObject({ shadow: true, score: want.score, decision: 'decline', reasonCode: 'below-threshold' });
    expect(await t.gw.metrics.text()).toMatch(/selfj_gateway_decisions_total\{mode="shadow",decision="decline"\} 1/);
  }, 60_000);

  it('cascade: a declined request is answered by the fallback upstream and marked so; an answered one is not', async () => {
    const want = await Promise.all(PROMPTS.map((p) => t.expected(p, 11, { messages: chat(p) })));
    const tau = await tauBetween(want.map((w) => w.score));
    let cascaded = 0;
    for (const [i, prompt] of PROMPTS.entries()) {
      const r = await client.chat.completions.create({ model: 'tiny', messages: chat(prompt), seed: 11, selfj: { mode: 'cascade' } } as never).withResponse();
      const s = selfjOf(r.data);
      if (want[i].score < tau) {
        cascaded++;
        expect(s).toMatchObject({ decision: 'cascade', source: 'fallback', score: want[i].score, mode: 'cascade' });
        expect(s.reason).toContain('answered by the fallback upstream');
        expect(r.response.headers.get('x-selfj-decision')).toBe('cascade');
        expect(r.data.choices[0].message.content).not.toContain("I can't answer");
      } else {
        expect(s).toMatchObject({ decision: 'answer', source: 'primary' });
        expect(r.data.choices[0].message.content).toBe(want[i].answer.text);
      }
    }
    expect(cascaded).toBeGreaterThan(0);
    expect(await t.gw.metrics.text()).toContain(`selfj_gateway_cascades_total ${cascaded}`);
  }, 60_000);

  it('/v1/models lists the model; the decision log has one valid line per request, without text by default', async () => {
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['tiny']);
    const lines = readLog(t.logFile);
    expect(lines.length).toBeGreaterThan(15);
    for (const l of lines) {
      expect(typeof l.id).toBe('string');
      expect(['answer', 'decline', 'cascade']).toContain(l.decision);
      expect(typeof l.totalMs).toBe('number');
      expect(l.request).toBeUndefined();
      expect(l.answer).toBeUndefined();
    }
  });
});

// Reported as skipped, with the reason, only when the model is missing.
if (!haveModel) describe('gateway modes on the real tiny model (openai client)', () => it.skip(`skipped: ${MODEL_MISSING}`, () => undefined));
