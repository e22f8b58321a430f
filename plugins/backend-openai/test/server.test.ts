import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelfjError, type Embedder, type GenerateOptions, type ModelBackend, type Prompt, type TopToken } from '@selfj/core';
import { OpenAIBackend, createOpenAIBackend, startOpenAIServer, type OpenAIServer } from '../src/index.js';
import { distribution } from './fake-server.js';

const DIGITS = [...'0123456789'.split(''), ...'0123456789'.split('').map((d) => ` ${d}`)];
const text = (p: Prompt) => (typeof p === 'string' ? p : p.map((m) => m.content).join('\n'));

/** An in-memory backend whose next-token distribution is `distribution(prompt)`; "\n" ends generation. */
class MemoryBackend implements ModelBackend {
  readonly id = 'memory:test';
  calls: { prompt: Prompt; options: GenerateOptions }[] = [];
  aborted = 0;
  batches = 0;
  tops = 0;
  capabilities() {
    return { logprobs: 'full' as const, features: false, embeddings: false, chatTemplate: true, contextSize: 128 };
  }
  async generate(prompt: Prompt, options: GenerateOptions = {}) {
    this.calls.push({ prompt, options });
    if (text(prompt) === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 400);
        options.signal?.addEventListener('abort', () => {
          this.aborted++;
          clearTimeout(t);
          resolve();
        });
      });
      if (options.signal?.aborted) throw new SelfjError('ABORTED', 'cancelled');
    }
    if (text(prompt) === 'too long') throw new SelfjError('PROMPT_TOO_LONG', 'The prompt has 9999 tokens; the context holds 128.');
    return { text: `echo:${text(prompt)}`, tokens: 3, finishReason: 'length' as const };
  }
  async topTokens(prompt: Prompt, k: number): Promise<TopToken[]> {
    this.tops++;
    const all = distribution(text(prompt)).map((t, id) => ({ ...t, id, ...(t.token === '\n' ? { eog: true } : {}) }));
    return Number.isFinite(k) ? all.slice(0, k) : all;
  }
  async nextTokenProbabilities(prompts: Prompt[], candidates: string[]) {
    this.batches++;
    return prompts.map((p) => {
      const m = new Map(distribution(text(p)).map((t) => [t.token, Math.exp(t.logprob)]));
      return { probs: Object.fromEntries(candidates.map((c) => [c, m.get(c) ?? 0])), coverage: 'full' as const };
    });
  }
  async tokenize(s: string) {
    return [...s].map((c) => c.charCodeAt(0));
  }
  async close() {}
}

const embedder: Embedder = {
  id: 'len', dim: 2,
  async embed(texts) {
    return Float32Array.from(texts.flatMap((t) => [t.length, 0.5]));
  },
};

let backend: MemoryBackend;

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
let server: OpenAIServer;
const post = async (path: string, body: unknown) => {
  const res = await fetch(server.url.replace('/v1', '') + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

beforeAll(async () => {
  backend = new MemoryBackend();
  server = await startOpenAIServer({ backend, embedder, host: '127.0.0.1', port: 0, modelName: 'mem' });
});
afterAll(() => server.close());

describe('selfj serve over a ModelBackend', () => {
  it('lists the model and is detected as a full-vocabulary selfj server', async () => {
    const models = (await (await fetch(`${server.url}/models`)).json()) as { data: { id: string; owned_by: string; selfj: { max_logprobs: number } }[] };
    expect(models.data[0]).toMatchObject({ id: 'mem', owned_by: 'selfj', max_model_len: 128, selfj: { max_logprobs: -1 } });
    const client = await createOpenAIBackend(`${server.url}#mem`, { env: {} });
    expect(client.flavour).toBe('selfj');
    expect(client.capabilities().logprobs).toBe('full');
  });

  it('serves digit probabilities equal to the in-process ones: selfj extension, completions and chat logprobs', async () => {
    const prompts: Prompt[] = ['Score: ', 'Another prompt', [{ role: 'user', content: 'rate it' }]];
    const want = await backend.nextTokenProbabilities(prompts, DIGITS);
    for (const [endpoint, selfjExtension] of [[undefined, true], [undefined, false], ['chat', false]] as const) {
      const client = new OpenAIBackend({ baseURL: server.url, model: 'mem', env: {}, endpoint, selfjExtension, selfjBatch: 2 });
      const [batches, tops] = [backend.batches, backend.tops];
      const got = await client.nextTokenProbabilities(prompts, DIGITS);
      expect(got.length).toBe(prompts.length);
      // The extension sends the prompts in batches of 2; the server's scheduler gives the backend one prompt per call
      // (fair between requests); logprobs go through topTokens.
      if (selfjExtension) expect([backend.batches - batches, backend.tops - tops]).toEqual([3, 0]);
      else expect([backend.batches - batches, backend.tops - tops]).toEqual([0, 3]);
      for (const [i, r] of got.entries()) {
        expect(r.coverage).toBe('full');
        for (const d of DIGITS) expect(r.probs[d]).toBeCloseTo(want[i].probs[d]!, 12);
      }
    }
  });

  it('topTokens through the selfj extension keeps ids and end-of-generation flags; through logprobs, texts', async () => {
    const want = await backend.topTokens('Once', Infinity);
    const viaExt = await createOpenAIBackend(`${server.url}#mem`, { env: {} });
    expect(await viaExt.topTokens('Once', Infinity)).toEqual(want);
    expect(await viaExt.topTokens('Once', 3)).toEqual(want.slice(0, 3));
    const viaLogprobs = await createOpenAIBackend(`${server.url}#mem`, { env: {}, selfjExtension: false });
    const got = await viaLogprobs.topTokens('Once', 5);
    expect(got.map((t) => t.token)).toEqual(want.slice(0, 5).map((t) => t.token));
    got.forEach((t, i) => expect(t.logprob).toBeCloseTo(want[i].logprob, 12));
  });

  it('answers /v1/completions with OpenAI logprobs, greedy and stopping at stop strings / end of generation', async () => {
    const prompt = 'Once upon';
    const { status, json } = await post('/v1/completions', { model: 'mem', prompt, max_tokens: 3, temperature: 0, logprobs: 2 });
    expect(status).toBe(200);
    expect(json.object).toBe('text_completion');
    const lp = json.choices[0].logprobs;
    const first = distribution(prompt);
    expect(lp.tokens[0]).toBe(first[0].token === '\n' ? undefined : first[0].token);
    expect(lp.tokens.length).toBe(lp.token_logprobs.length);
    expect(Object.keys(lp.top_logprobs[0]).length).toBe(2);
    expect(lp.top_logprobs[0][first[0].token]).toBeCloseTo(first[0].logprob, 12);
    expect(lp.text_offset[0]).toBe(0);
    expect(json.choices[0].text).toBe(lp.tokens.join(''));
    expect(json.usage.prompt_tokens).toBe(prompt.length);
    // Seeded sampling is reproducible.
    const a = await post('/v1/completions', { prompt, max_tokens: 4, temperature: 1, seed: 7, logprobs: 0 });
    const b = await post('/v1/completions', { prompt, max_tokens: 4, temperature: 1, seed: 7, logprobs: 0 });
    expect(a.json.choices[0].text).toBe(b.json.choices[0].text);
    const stop = first[0].token;
    const s = await post('/v1/completions', { prompt, max_tokens: 3, temperature: 0, logprobs: 1, stop });
    expect(s.json.choices[0]).toMatchObject({ text: '', finish_reason: 'stop' });
  });

  it('answers chat with logprobs content and top_logprobs', async () => {
    const messages = [{ role: 'user', content: 'Score it' }];
    const { status, json } = await post('/v1/chat/completions', { model: 'mem', messages, max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 5 });
    expect(status).toBe(200);
    const c = json.choices[0];
    expect(c.message.role).toBe('assistant');
    expect(c.logprobs.content[0].top_logprobs).toHaveLength(5);
    expect(c.logprobs.content[0].token).toBe(distribution('Score it')[0].token);
    expect(c.logprobs.content[0].bytes).toEqual([...Buffer.from(c.logprobs.content[0].token)]);
    // Longer chat answers need token-level access, which this backend does not give: 501, named.
    const bad = await post('/v1/chat/completions', { messages, max_tokens: 5, logprobs: true });
    expect(bad.status).toBe(501);
    expect(bad.json.error).toMatchObject({ type: 'not_implemented', param: 'max_tokens', code: 'capability_missing' });
  });

  it('passes sampling options through to generate without logprobs', async () => {
    const { json } = await post('/v1/completions', { prompt: 'hi', max_tokens: 9, temperature: 0.5, top_p: 0.8, seed: 3, stop: ['x'] });
    expect(json.choices[0]).toMatchObject({ text: 'echo:hi', finish_reason: 'length', logprobs: null });
    expect(backend.calls.at(-1)!.options).toMatchObject({ maxTokens: 9, temperature: 0.5, topP: 0.8, seed: 3, stop: ['x'] });
    const chat = await post('/v1/chat/completions', { messages: [{ role: 'system', content: 's' }, { role: 'user', content: [{ type: 'text', text: 'u' }] }] });
    expect(chat.json.choices[0].message.content).toBe('echo:s\nu');
  });

  it('serves embeddings (float and base64) and /tokenize', async () => {
    const f = await post('/v1/embeddings', { model: 'mem', input: ['ab', 'abcd'] });
    expect(f.json.data.map((d: { embedding: number[] }) => d.embedding)).toEqual([[2, 0.5], [4, 0.5]]);
    const b = await post('/v1/embeddings', { input: 'abc', encoding_format: 'base64' });
    const buf = Buffer.from(b.json.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(buf.buffer, buf.byteOffset, 2))).toEqual([3, 0.5]);
    const client = new OpenAIBackend({ baseURL: server.url, model: 'mem', env: {} });
    expect((await client.embed(['xyz']))[0]).toEqual(Float32Array.from([3, 0.5]));
    expect(await client.tokenize('AB')).toEqual([65, 66]);
  });

  it('answers errors in OpenAI shape with the right status', async () => {
    const cases: [string, unknown, number, string?][] = [
      ['/v1/completions', '{not json', 400],
      ['/v1/completions', { prompt: 'x', model: 'other' }, 404, 'model_not_found'],
      ['/v1/completions', { prompt: 'x', n: 2 }, 400],
      ['/v1/completions', { prompt: '' }, 400],
      ['/v1/completions', { prompt: 'x', temperature: 5 }, 400],
      ['/v1/completions', { prompt: 'too long' }, 400, 'prompt_too_long'],
      ['/v1/chat/completions', { messages: [{ role: 'robot', content: 'x' }] }, 400],
      ['/v1/nope', {}, 404, 'unknown_url'],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await post(path, body);
      expect(r.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(typeof r.json.error.message).toBe('string');
      expect(typeof r.json.error.type).toBe('string');
      if (code) expect(r.json.error.code).toBe(code);
    }
    const get = await fetch(`${server.url}/completions`);
    expect(get.status).toBe(405);
    const noEmb = await startOpenAIServer({ backend, modelName: 'mem' });
    try {
      const r = await fetch(`${noEmb.url}/embeddings`, { method: 'POST', body: JSON.stringify({ input: 'x' }) });
      expect(r.status).toBe(501);
    } finally {
      await noEmb.close();
    }
  });

  it('streams as server-sent events when asked (chat and completions)', async () => {
    const events = async (path: string, body: unknown) => {
      const res = await fetch(server.url.replace('/v1', '') + path, { method: 'POST', body: JSON.stringify(body) });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const lines = (await res.text()).split('\n\n').filter(Boolean).map((l) => l.replace(/^data: /, ''));
      expect(lines.at(-1)).toBe('[DONE]');
      return lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, any>);
    };
    const chat = await events('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    expect(chat.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chat.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('echo:hi');
    expect(chat.at(-2)!.choices[0].finish_reason).toBe('length');
    expect(chat.at(-1)!.usage.completion_tokens).toBe(3);
    const comp = await events('/v1/completions', { prompt: 'yo', stream: true, logprobs: 1, max_tokens: 1, temperature: 0 });
    expect(comp.map((c) => c.choices[0].text).join('')).toBe(distribution('yo')[0].token);
    expect(comp[0].choices[0].logprobs.tokens).toEqual([distribution('yo')[0].token]);
  });

  it('requires the API key when started with one (not for /health); the OpenAI backend sends it', async () => {
    const KEY = 'serve-key-123456';
    const s = await startOpenAIServer({ backend, modelName: 'mem', apiKey: KEY });
    try {
      const no = await fetch(`${s.url}/models`);
      expect(no.status).toBe(401);
      expect(((await no.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
      const wrong = await fetch(`${s.url}/completions`, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{"prompt":"x"}' });
      expect(wrong.status).toBe(401);
      expect((await fetch(`${s.url.replace('/v1', '')}/health`)).status).toBe(200);
      const client = await createOpenAIBackend(`${s.url}#mem`, { env: { OPENAI_API_KEY: KEY } });
      expect((await client.generate('hello')).text).toBe('echo:hello');
      const bad = new OpenAIBackend({ baseURL: s.url, model: 'mem', flavour: 'selfj', env: { OPENAI_API_KEY: 'wrong-key-000' } });
      await expect(bad.generate('hello')).rejects.toMatchObject({ code: 'AUTH' });
    } finally {
      await s.close();
    }
  });

  it('cancels backend work when the client disconnects', async () => {
    const before = backend.aborted;
    const ctl = new AbortController();
    const calls = backend.calls.length;
    const p = fetch(`${server.url}/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'slow' }), signal: ctl.signal }).catch(() => 'aborted');
    await until(() => backend.calls.length > calls);
    ctl.abort();
    expect(await p).toBe('aborted');
    await until(() => backend.aborted === before + 1);
  });

  it('closes gracefully: running requests finish, new ones are refused; a signal closes it too', async () => {
    const ctl = new AbortController();
    const s = await startOpenAIServer({ backend, modelName: 'mem', signal: ctl.signal });
    const calls = backend.calls.length;
    const running = fetch(`${s.url}/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'slow' }) }).then((r) => r.json());
    await until(() => backend.calls.length > calls);
    ctl.abort();
    expect(((await running) as { choices: { text: string }[] }).choices[0].text).toBe('echo:slow');
    await s.close();
    await expect(fetch(`${s.url}/models`)).rejects.toThrow();
  });
});

describe('selfj serve: request limits and bad requests', () => {
  it('answers a body over the limit with 413 in OpenAI shape (no connection reset) and stays up', async () => {
    const s = await startOpenAIServer({ backend, modelName: 'mem', maxBodyBytes: 2000 });
    try {
      const big = JSON.stringify({ prompt: 'x'.repeat(50_000), max_tokens: 1 });
      // fetch (undici) and the OpenAI backend's own client both read the answer, not ECONNRESET.
      const r = await fetch(`${s.url}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(r.status).toBe(413);
      const j = (await r.json()) as { error: { type: string; code: string; message: string } };
      expect(j.error).toMatchObject({ type: 'invalid_request_error', code: 'request_too_large' });
      const client = new OpenAIBackend({ baseURL: s.url, model: 'mem', flavour: 'selfj', env: {} });
      await expect(client.generate('x'.repeat(50_000))).rejects.toMatchObject({ code: 'BAD_RECORD', details: { status: 413 } });
      expect((await client.generate('small')).text).toBe('echo:small');
    } finally {
      await s.close();
    }
  });

  it('a batch over the body limit is split by the client (same results); a lone oversized prompt is that record\'s error', async () => {
    const s = await startOpenAIServer({ backend, modelName: 'mem', maxBodyBytes: 1500 });
    try {
      const client = await createOpenAIBackend(`${s.url}#mem`, { env: {} });
      const prompts = Array.from({ length: 40 }, (_, i) => `prompt number ${i} with some padding text`);
      const got = await client.nextTokenProbabilities(prompts, DIGITS);
      expect(got).toEqual(await backend.nextTokenProbabilities(prompts, DIGITS));
      await expect(client.nextTokenProbabilities(['y'.repeat(4000)], DIGITS)).rejects.toMatchObject({ code: 'BAD_RECORD' });
    } finally {
      await s.close();
    }
  });

  it('caps work per request: too many prompts or tokens 413, one prompt asking too much 400; /v1/models says so', async () => {
    const s = await startOpenAIServer({ backend, modelName: 'mem', maxPromptsPerRequest: 4, maxTokensPerRequest: 100 });
    try {
      const p = (body: unknown) => fetch(`${s.url}/completions`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }));
      expect((await p({ prompt: ['a', 'b', 'c', 'd', 'e'], max_tokens: 1 })).status).toBe(413);
      expect((await p({ prompt: ['a', 'b', 'c'], max_tokens: 40 })).status).toBe(413);
      const one = await p({ prompt: 'a', max_tokens: 101 });
      expect(one.status).toBe(400);
      expect(one.json.error.param).toBe('max_tokens');
      expect((await p({ prompt: ['a', 'b'], max_tokens: 50 })).status).toBe(200);
      const ext = await fetch(`${s.url}/selfj/next-token-probabilities`, { method: 'POST', body: JSON.stringify({ prompts: ['a', 'b', 'c', 'd', 'e'], candidates: ['1'] }) });
      expect(ext.status).toBe(413);
      const m = (await (await fetch(`${s.url}/models`)).json()) as any;
      expect(m.data[0].selfj).toMatchObject({ chat_template: true, context_size: 128, limits: { max_prompts: 4, max_tokens: 100 } });
      // The OpenAI backend reads the limit and sends at most 4 prompts per request.
      const client = await createOpenAIBackend(`${s.url}#mem`, { env: {} });
      const prompts = Array.from({ length: 10 }, (_, i) => `p${i}`);
      expect(await client.nextTokenProbabilities(prompts, DIGITS)).toEqual(await backend.nextTokenProbabilities(prompts, DIGITS));
    } finally {
      await s.close();
    }
  });

  it('rejects a malformed %-escape in the URL, fractional token counts and non-integer logprobs with 400', async () => {
    const r = await fetch(`${server.url}/models/%E0%A4%A`);
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).error.type).toBe('invalid_request_error');
    for (const body of [{ prompt: 'x', max_tokens: 1.5 }, { prompt: 'x', logprobs: 1.5 }, { prompt: 'x', seed: 0.5 }]) {
      const b = await post('/v1/completions', body);
      expect(b.status, JSON.stringify(body)).toBe(400);
    }
    const c = await post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 2.5 });
    expect(c.status).toBe(400);
    expect(c.json.error.param).toBe('max_completion_tokens');
    expect((await fetch(`${server.url}/models`)).status).toBe(200); // still up
  });

  it('does not starve a small request behind a large one: per-prompt round-robin between requests', async () => {
    const slowBackend = new MemoryBackend();
    const slowGenerate = slowBackend.generate.bind(slowBackend);
    const finished: string[] = [];
    slowBackend.generate = async (prompt, options) => {
      await new Promise((r) => setTimeout(r, 25));
      const out = await slowGenerate(prompt, options);
      finished.push(text(prompt));
      return out;
    };
    const s = await startOpenAIServer({ backend: slowBackend, modelName: 'mem', parallel: 1 });
    try {
      const big = fetch(`${s.url}/completions`, { method: 'POST', body: JSON.stringify({ prompt: Array.from({ length: 40 }, (_, i) => `big${i}`), max_tokens: 4 }) });
      await until(() => finished.length >= 2);
      const t0 = Date.now();
      const small = await (await fetch(`${s.url}/completions`, { method: 'POST', body: JSON.stringify({ prompt: 'small', max_tokens: 4 }) })).json();
      const waited = Date.now() - t0;
      expect((small as any).choices[0].text).toBe('echo:small');
      // First come, first served would have put it after all 40 (>= 1 s); it starts after the big prompt that runs.
      expect(finished.indexOf('small')).toBeLessThan(6);
      expect(finished.indexOf('small')).toBeGreaterThanOrEqual(2);
      expect(waited).toBeLessThan(700);
      expect((await big).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
