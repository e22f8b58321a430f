/**
 * Failures, for real: the upstream is `selfj serve` machinery (startOpenAIServer over the tiny model) behind a
 * fault-injecting proxy (429, 5xx, a hang, a connection reset), reached through the openai backend with its
 * retries; the judge runs zero-shot on another `selfj serve` behind a second proxy, so it can fail or hang.
 * Under fail-closed a judge failure declines ("judge unavailable"), under fail-open it answers marked unscored;
 * never an answer without a word about its score. The server stays up throughout.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { createOpenAIBackend, startOpenAIServer, type OpenAIServer } from '@selfj/backend-openai';
import type { Sampler } from '@selfj/core';
import { BackendSampler, DEFAULT_TEMPLATES } from '@selfj/core/stages';
import { MODEL_MISSING, TEST_MODEL, haveModel, startFaultProxy, type FaultProxy } from './helpers.js';
import { postJson, readLog, startTestGateway, type TestGateway } from './fixture.js';

const body = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'tiny', messages: [{ role: 'user', content }], max_tokens: 12, seed: 3, ...extra });

describe.skipIf(!haveModel)('gateway under upstream and judge failures', () => {
  let model: LlamaCppBackend;
  let serve: OpenAIServer;
  let up: FaultProxy;
  let judgeProxy: FaultProxy;
  let upstream: Sampler;
  let t: TestGateway;

  beforeAll(async () => {
    model = await LlamaCppBackend.load(TEST_MODEL, { threads: 1, contextSize: 512 });
    serve = await startOpenAIServer({ backend: model, host: '127.0.0.1', port: 0, modelName: 'tiny' });
    up = await startFaultProxy(serve.url);
    judgeProxy = await startFaultProxy(serve.url, /\/v1\/selfj\//);
    upstream = new BackendSampler(
      await createOpenAIBackend(`${up.url}#tiny;maxRetries=2;timeoutMs=1500;connectRetryMs=2000`, { env: {}, backoffBaseMs: 5, backoffMaxMs: 20 }),
      DEFAULT_TEMPLATES.sample,
      64,
    );
    t = await startTestGateway({ gateway: { requestTimeoutMs: 20_000 } }, { tau: 0, extra: { upstream } });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await upstream?.close?.();
    await up?.close();
    await judgeProxy?.close();
    await serve?.close();
    await model?.close();
  });

  it('an upstream 429 (Retry-After) or a reset is retried: the same answer as without the fault', async () => {
    const clean = await postJson(`${t.gw.url}/chat/completions`, body('Tell me about a cat.'));
    expect(clean.status).toBe(200);
    for (const fault of [{ kind: 'status' as const, status: 429, retryAfter: '0' }, { kind: 'reset' as const }, { kind: 'status' as const, status: 503 }]) {
      up.faults.push(fault);
      const r = await postJson(`${t.gw.url}/chat/completions`, body('Tell me about a cat.'));
      expect(r.status, `${fault.kind}: ${r.text}`).toBe(200);
      expect(r.json.choices[0].message.content).toBe(clean.json.choices[0].message.content);
      expect(up.faults).toHaveLength(0);
    }
  }, 60_000);

  it('an upstream that keeps failing is a 502 in OpenAI shape, counted, logged; the next request works', async () => {
    up.faults.push(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 500 })));
    const r = await postJson(`${t.gw.url}/chat/completions`, body('Hello'));
    expect(r.status).toBe(502);
    expect(r.json.error).toMatchObject({ type: 'upstream_error', code: 'retries_exhausted' });
    expect(r.json.error.message).toMatch(/^The upstream failed: /);
    expect(await t.gw.metrics.text()).toMatch(/selfj_gateway_upstream_errors_total\{upstream="primary",code="RETRIES_EXHAUSTED"\} 1/);
    const line = readLog(t.logFile).at(-1)!;
    expect(line).toMatchObject({ decision: 'error', error: { code: 'RETRIES_EXHAUSTED' } });
    expect((await postJson(`${t.gw.url}/chat/completions`, body('Hello'))).status).toBe(200);
  }, 60_000);

  it('an upstream that hangs: its timeout ends it (5xx), or the gateway deadline first (504); the server stays up', async () => {
    up.faults.push({ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' });
    const r = await postJson(`${t.gw.url}/chat/completions`, body('Hello'));
    expect([502, 504]).toContain(r.status);
    expect(r.json.error.code).toMatch(/timeout|retries_exhausted/);
    up.faults.length = 0;
    const short = await startTestGateway({ gateway: { requestTimeoutMs: 300 } }, { tau: 0, extra: { upstream } });
    try {
      up.faults.push({ kind: 'hang' });
      const t0 = Date.now();
      const d = await postJson(`${short.gw.url}/chat/completions`, body('Hello'));
      expect(d.status).toBe(504);
      expect(d.json.error).toMatchObject({ type: 'timeout', code: 'request_timeout' });
      expect(Date.now() - t0).toBeLessThan(1400); // the gateway's deadline, not the upstream's 1.5 s timeout
      up.faults.length = 0;
      expect((await postJson(`${short.gw.url}/chat/completions`, body('Hello'))).status).toBe(200);
    } finally {
      up.faults.length = 0;
      await short.close();
    }
  }, 60_000);

  it('cascade: a primary upstream that fails sends the request to the fallback', async () => {
    const fallback = new BackendSampler(await createOpenAIBackend(`${serve.url}#tiny`, { env: {} }), DEFAULT_TEMPLATES.sample, 8);
    const c = await startTestGateway({ gateway: { mode: 'cascade' } }, { tau: 0, extra: { upstream, fallback } });
    try {
      up.faults.push(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 502 })));
      const r = await postJson(`${c.gw.url}/chat/completions`, body('Hello'));
      expect(r.status).toBe(200);
      expect(r.json.selfj).toMatchObject({ decision: 'cascade', source: 'fallback', score: null });
      expect(r.json.selfj.reason).toMatch(/primary upstream failed.*answered by the fallback/);
    } finally {
      up.faults.length = 0;
      await c.close();
      await fallback.close?.();
    }
  }, 60_000);

  it('an upstream key never reaches the response or the decision log, even when the upstream echoes it', async () => {
    const key = 'sk-upstream-secret-0123456789abcdef';
    const keyed = new BackendSampler(
      await createOpenAIBackend(`${up.url}#tiny;maxRetries=0;connectRetryMs=0`, { env: { OPENAI_API_KEY: key } }),
      DEFAULT_TEMPLATES.sample,
      8,
    );
    const g = await startTestGateway({ gateway: { log: { text: true } } }, { tau: 0, extra: { upstream: keyed, secrets: [key] } });
    try {
      up.faults.push({ kind: 'echo-auth' });
      const r = await postJson(`${g.gw.url}/chat/completions`, body('Hello'));
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.text).toMatch(/Invalid key/); // the upstream's message is passed on...
      expect(r.text).not.toContain(key); // ...without the key
      expect(r.text).not.toContain(key.slice(3));
      const log = readFileSync(g.logFile, 'utf8');
      expect(log).toMatch(/Invalid key/);
      expect(log).not.toContain(key.slice(3));
    } finally {
      up.faults.length = 0;
      await g.close();
      await keyed.close?.();
    }
  }, 60_000);

  describe('a judge that fails', () => {
    const judgeId = () => `zero-shot:openai:${judgeProxy.url}#tiny;maxRetries=0;connectRetryMs=0;timeoutMs=5000`;
    async function gatewayWith(policy: 'fail-closed' | 'fail-open', judgeTimeoutMs = 30_000) {
      return startTestGateway(
        { gateway: { onJudgeFailure: policy, judgeTimeoutMs } },
        { tau: 0, judgeSource: () => ({ id: judgeId(), open: () => t.registry.create('judges', judgeId(), {}, t.ctx), stamp: () => '' }) },
      );
    }

    it('fail-closed (the default) declines with "judge unavailable"', async () => {
      const g = await gatewayWith('fail-closed');
      try {
        const ok = await postJson(`${g.gw.url}/chat/completions`, body('Hello'));
        expect(ok.json.selfj.decision).toBe('answer'); // tau 0: a working judge answers
        judgeProxy.faults.push({ kind: 'status', status: 503 });
        const r = await postJson(`${g.gw.url}/chat/completions`, body('Hello'));
        expect(r.status).toBe(200);
        expect(r.headers.get('x-selfj-decision')).toBe('decline');
        expect(r.json.selfj).toMatchObject({ decision: 'decline', score: null });
        expect(r.json.selfj.reason).toMatch(/^judge unavailable/);
        expect(r.json.choices[0].message.content).toMatch(/judge unavailable/);
        expect(await g.gw.metrics.text()).toMatch(/selfj_gateway_declines_total\{mode="gate",reason="judge-unavailable"\} 1/);
        expect(await g.gw.metrics.text()).toMatch(/selfj_gateway_judge_failures_total\{kind="error"\} 1/);
      } finally {
        judgeProxy.faults.length = 0;
        await g.close();
      }
    }, 60_000);

    it('fail-open answers, marked answer-unscored (header, selfj object, log), never silently', async () => {
      const g = await gatewayWith('fail-open', 300);
      try {
        judgeProxy.faults.push({ kind: 'hang' }); // slower than judgeTimeoutMs
        const r = await postJson(`${g.gw.url}/chat/completions`, body('Hello'));
        expect(r.status).toBe(200);
        expect(r.headers.get('x-selfj-decision')).toBe('answer-unscored');
        expect(r.headers.get('x-selfj-score')).toBe('none');
        expect(r.json.selfj).toMatchObject({ decision: 'answer-unscored', score: null, source: 'primary' });
        expect(r.json.selfj.reason).toMatch(/judge unavailable .*took longer than 300 ms.*fail-open/);
        expect(r.json.choices[0].message.content.length).toBeGreaterThan(0);
        expect(await g.gw.metrics.text()).toMatch(/selfj_gateway_judge_failures_total\{kind="timeout"\} 1/);
        expect(readLog(g.logFile).at(-1)).toMatchObject({ decision: 'answer-unscored', reasonCode: 'judge-unavailable', score: null });
      } finally {
        judgeProxy.faults.length = 0;
        await g.close();
      }
    }, 60_000);
  });
});

// Reported as skipped, with the reason, only when the model is missing.
if (!haveModel) describe('gateway under upstream and judge failures', () => it.skip(`skipped: ${MODEL_MISSING}`, () => undefined));
