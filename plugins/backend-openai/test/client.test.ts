import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isSelfjError, type SelfjError } from '@selfj/core';
import { OpenAIBackend, createOpenAIBackend, type OpenAIBackendOptions } from '../src/index.js';
import { OVERSIZE, distribution, startFakeServer, type Fault, type FakeServer } from './fake-server.js';

const DIGITS = [...'0123456789'.split(''), ...'0123456789'.split('').map((d) => ` ${d}`)];
const PROMPTS = ['Rate this answer: 1+1=2. Score:', 'Rate: the sky is green. Score:', 'Q: capital of France? A: Paris. Score:'];

let fake: FakeServer;
beforeAll(async () => {
  fake = await startFakeServer({ maxTopLogprobs: -1 });
});
afterAll(() => fake.close());
afterEach(() => {
  fake.faults.length = 0;
  fake.requests.length = 0;
});

function backend(o: Partial<OpenAIBackendOptions> = {}): OpenAIBackend {
  return new OpenAIBackend({
    baseURL: fake.url, model: 'fake', flavour: 'vllm', maxLogprobs: -1,
    backoffBaseMs: 5, backoffMaxMs: 20, timeoutMs: 2000, env: {}, ...o,
  });
}

async function caught(p: Promise<unknown>): Promise<SelfjError> {
  try {
    await p;
  } catch (e) {
    if (isSelfjError(e)) return e;
    throw e;
  }
  throw new Error('expected a SelfjError');
}

describe('OpenAIBackend against a fault-injecting server', () => {
  it('reads exact digit probabilities with full coverage when the server returns the whole vocabulary', async () => {
    const b = backend();
    const out = await b.nextTokenProbabilities(PROMPTS, DIGITS);
    expect(b.capabilities().logprobs).toBe('full');
    for (const [i, r] of out.entries()) {
      expect(r.coverage).toBe('full');
      const want = new Map(distribution(PROMPTS[i]).map((t) => [t.token, Math.exp(t.logprob)]));
      for (const d of DIGITS) expect(r.probs[d]).toBeCloseTo(want.get(d)!, 12);
    }
    expect(fake.requests.every((r) => r.body.max_tokens === 1 && r.body.temperature === 0 && r.body.logprobs === -1)).toBe(true);
  });

  const faultCases: [string, Fault[]][] = [
    ['429 with Retry-After seconds', [{ kind: 'status', status: 429, retryAfter: '0' }]],
    ['429 with Retry-After HTTP date', [{ kind: 'status', status: 429, retryAfter: new Date(Date.now() - 1000).toUTCString() }]],
    ['500 then 503', [{ kind: 'status', status: 500 }, { kind: 'status', status: 503 }]],
    ['a hanging response (timeout)', [{ kind: 'hang' }]],
    ['a truncated body', [{ kind: 'truncated' }]],
    ['invalid JSON', [{ kind: 'badjson' }]],
    ['a connection reset', [{ kind: 'reset' }]],
  ];
  for (const [name, faults] of faultCases) {
    it(`recovers from ${name} with the same results`, async () => {
      const b = backend({ timeoutMs: 500 });
      const clean = await b.nextTokenProbabilities(PROMPTS, DIGITS);
      fake.faults.push(...faults);
      const n = fake.requests.length;
      const again = await b.nextTokenProbabilities(PROMPTS, DIGITS);
      expect(again).toEqual(clean);
      expect(fake.faults).toEqual([]); // every injected fault was served
      // One request for the three prompts (a list) plus one retry per fault (more only if the machine timed one out).
      expect(fake.requests.length - n).toBeGreaterThanOrEqual(1 + faults.length);
    });
  }

  it('waits at least Retry-After seconds', async () => {
    const b = backend();
    fake.faults.push({ kind: 'status', status: 429, retryAfter: '1' });
    const t0 = Date.now();
    await b.nextTokenProbabilities([PROMPTS[0]], DIGITS);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
  });

  it('gives RETRIES_EXHAUSTED after maxRetries failures, TIMEOUT when the last one timed out', async () => {
    const b = backend({ maxRetries: 2, timeoutMs: 150 });
    for (let i = 0; i < 3; i++) fake.faults.push({ kind: 'status', status: 503 });
    const e = await caught(b.nextTokenProbabilities([PROMPTS[0]], DIGITS));
    expect(e.code).toBe('RETRIES_EXHAUSTED');
    expect(e.details.attempts).toBe(3);
    expect(e.message).toMatch(/503/);
    fake.faults.length = 0;
    fake.faults.push({ kind: 'status', status: 500 }, { kind: 'hang' }, { kind: 'hang' });
    const t = await caught(b.nextTokenProbabilities([PROMPTS[0]], DIGITS));
    expect(t.code).toBe('TIMEOUT');
  });

  it('a 4xx about the request is that record\'s error (BAD_RECORD, not retried); one naming a setting is HTTP_ERROR', async () => {
    const b = backend();
    fake.faults.push({ kind: 'status', status: 400, body: JSON.stringify({ error: { message: 'top_logprobs too large', param: 'top_logprobs' } }) });
    const e = await caught(b.nextTokenProbabilities([PROMPTS[0]], DIGITS));
    expect(e.code).toBe('HTTP_ERROR');
    expect(e.message).toContain('top_logprobs too large');
    expect(fake.requests.length).toBe(1);
    for (const [status, param] of [[400, 'prompt'], [400, undefined], [422, undefined], [413, undefined]] as const) {
      fake.requests.length = 0;
      fake.faults.push({ kind: 'status', status, body: JSON.stringify({ error: { message: `refused (${status})`, ...(param ? { param } : {}) } }) });
      const r = await caught(b.nextTokenProbabilities([PROMPTS[0]], DIGITS));
      expect(r.code, `${status} ${param}`).toBe('BAD_RECORD');
      expect(r.details.status).toBe(status);
      expect(fake.requests.length).toBe(1);
    }
  });

  it('413 for a batch splits it (later batches stay smaller); 413 for one prompt rejects that prompt only', async () => {
    const limited = await startFakeServer({ maxTopLogprobs: -1, maxPrompts: 5 });
    try {
      const b = new OpenAIBackend({ baseURL: limited.url, model: 'fake', flavour: 'vllm', maxLogprobs: -1, promptBatch: 16, env: {} });
      const prompts = Array.from({ length: 16 }, (_, i) => `prompt ${i}`);
      const out = await b.nextTokenProbabilities(prompts, DIGITS);
      const want = await backend().nextTokenProbabilities(prompts, DIGITS);
      expect(out).toEqual(want);
      const sizes = limited.requests.map((r) => (Array.isArray(r.body.prompt) ? r.body.prompt.length : 1));
      expect(sizes.filter((n) => n > 5).length).toBeGreaterThan(0); // tried big first
      limited.requests.length = 0;
      await b.nextTokenProbabilities(prompts, DIGITS);
      expect(limited.requests.every((r) => (Array.isArray(r.body.prompt) ? r.body.prompt.length : 1) <= 5)).toBe(true);
      // A prompt that is too large on its own: BAD_RECORD for the call, so a stage can blame that record alone.
      const e = await caught(b.nextTokenProbabilities([`x ${OVERSIZE}`], DIGITS));
      expect(e.code).toBe('BAD_RECORD');
      expect(e.details.status).toBe(413);
    } finally {
      await limited.close();
    }
  });

  it('cancels with AbortSignal, including a request that hangs', async () => {
    const b = backend({ timeoutMs: 60_000 });
    fake.faults.push({ kind: 'hang' });
    const ctl = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ctl.abort(), 50);
    const e = await caught(b.nextTokenProbabilities([PROMPTS[0]], DIGITS, { signal: ctl.signal }));
    expect(e.code).toBe('ABORTED');
    expect(Date.now() - t0).toBeLessThan(5000); // far below the 60 s timeout: the abort ended it
    const pre = new AbortController();
    pre.abort();
    expect((await caught(b.generate('x', { signal: pre.signal }))).code).toBe('ABORTED');
  });

  it('close() ends requests in flight with ABORTED and refuses new ones', async () => {
    const b = backend({ timeoutMs: 60_000 });
    fake.faults.push({ kind: 'hang' });
    const running = caught(b.nextTokenProbabilities([PROMPTS[0]], DIGITS));
    await new Promise((r) => setTimeout(r, 50));
    await b.close();
    expect((await running).code).toBe('ABORTED');
    expect((await caught(b.generate('x'))).code).toBe('ABORTED');
  });

  it('limits concurrency', async () => {
    const b = backend({ concurrency: 3, promptBatch: 1 });
    fake.maxConcurrent = 0;
    fake.delayMs = 20;
    await b.nextTokenProbabilities(Array.from({ length: 24 }, (_, i) => `prompt ${i}`), DIGITS);
    fake.delayMs = 0;
    expect(fake.maxConcurrent).toBeLessThanOrEqual(3);
    expect(fake.maxConcurrent).toBe(3);
  });
});

describe('server down, pools and failover', () => {
  it('reports BACKEND_UNAVAILABLE with what to do when nothing listens', async () => {
    const b = new OpenAIBackend({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', flavour: 'openai', maxRetries: 1, backoffBaseMs: 1, connectRetryMs: 300, env: {} });
    const e = await caught(b.nextTokenProbabilities(['x'], DIGITS));
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.solutions.length).toBeGreaterThan(0);
  });

  it('fails over from a dead base URL and balances between live ones', async () => {
    const second = await startFakeServer({ maxTopLogprobs: -1 });
    try {
      const b = backend({ baseURL: undefined, baseURLs: ['http://127.0.0.1:9/v1', fake.url, second.url], maxRetries: 2, promptBatch: 1 });
      const prompts = Array.from({ length: 12 }, (_, i) => `p${i}`);
      const out = await b.nextTokenProbabilities(prompts, DIGITS);
      expect(out.every((r) => r.coverage === 'full')).toBe(true);
      expect(fake.requests.length).toBeGreaterThanOrEqual(3);
      expect(second.requests.length).toBeGreaterThanOrEqual(3);
      expect(fake.requests.length + second.requests.length).toBe(12);
      // A server that rate-limits is skipped while its Retry-After runs: the other one takes the retry at once.
      second.faults.push({ kind: 'status', status: 429, retryAfter: '30' });
      const t0 = Date.now();
      await b.nextTokenProbabilities(prompts.slice(0, 4), DIGITS);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await second.close();
    }
  });
});

describe('a server that restarts', () => {
  it('is waited for (one notice when it goes away, one when it is back) and the call succeeds with the same results', async () => {
    const first = await startFakeServer({ maxTopLogprobs: -1 });
    const url = first.url;
    const port = Number(new URL(url).port);
    const notices: string[] = [];
    const b = new OpenAIBackend({ baseURL: url, model: 'fake', flavour: 'vllm', maxLogprobs: -1, backoffBaseMs: 20, connectRetryMs: 20_000, env: {}, onNotice: (n) => notices.push(n) });
    const want = await b.nextTokenProbabilities(PROMPTS, DIGITS);
    await first.close();
    const t0 = Date.now();
    const pending = b.nextTokenProbabilities(PROMPTS, DIGITS);
    await new Promise((r) => setTimeout(r, 1500)); // longer than the old ~4 s budget's first retries
    const second = await startFakeServer({ maxTopLogprobs: -1, port });
    try {
      expect(await pending).toEqual(want);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
      expect(notices.length).toBe(2);
      expect(notices[0]).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:\d+\/v1 \(.*ECONNREFUSED.*retrying for up to 20 s/);
      expect(notices[1]).toMatch(/answers again \(after \d+\.\d s\)/);
    } finally {
      await second.close();
    }
  });

  it('gives BACKEND_UNAVAILABLE once the connection budget is spent, naming how long it tried', async () => {
    const b = new OpenAIBackend({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', flavour: 'openai', backoffBaseMs: 10, connectRetryMs: 800, env: {} });
    const t0 = Date.now();
    const e = await caught(b.generate('x'));
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(750);
    expect(e.details.attempts).toBeGreaterThan(2);
    expect(e.solutions.join(' ')).toContain('connectRetryMs');
  });
});

describe('adaptive concurrency against a server', () => {
  it('raises the limit while the server keeps up and halves it on 429s, honouring Retry-After', async () => {
    const b = backend({ concurrency: 32, promptBatch: 1 });
    const limit = () => (b as unknown as { http: { limits: number[] } }).http.limits[0];
    // A server latency well above a busy machine's event-loop jitter, so that only queueing would look like congestion.
    fake.delayMs = 50;
    const prompts = Array.from({ length: 300 }, (_, i) => `q${i}`);
    await b.nextTokenProbabilities(prompts, DIGITS);
    const grown = limit();
    expect(grown).toBeGreaterThanOrEqual(8); // from 4
    fake.faults.push(...Array.from({ length: 8 }, () => ({ kind: 'status' as const, status: 429, retryAfter: '0.3' })));
    const t0 = Date.now();
    await b.nextTokenProbabilities(prompts.slice(0, 16), DIGITS);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    // One cut for the burst (not eight), then a little additive growth on the 16 answers.
    expect(limit()).toBeLessThanOrEqual(Math.ceil(grown / 2) + 4);
    expect(limit()).toBeGreaterThanOrEqual(Math.floor(grown / 4));
    fake.delayMs = 0;
  });
});

describe('top-k servers: honest partial coverage', () => {
  for (const [flavour, k] of [['tgi', 5], ['openai', 20]] as const) {
    it(`${flavour}: top-${k} alternatives, hidden candidates undefined`, async () => {
      const server = await startFakeServer({ maxTopLogprobs: k });
      try {
        const b = new OpenAIBackend({ baseURL: server.url, model: 'fake', flavour, env: {} });
        expect(b.capabilities()).toMatchObject({ logprobs: 'topK', k });
        const [r] = await b.nextTokenProbabilities([PROMPTS[1]], DIGITS);
        const visible = new Map(distribution(PROMPTS[1]).slice(0, k).map((t) => [t.token, Math.exp(t.logprob)]));
        for (const d of DIGITS) {
          if (visible.has(d)) expect(r.probs[d]).toBeCloseTo(visible.get(d)!, 12);
          else expect(r.probs[d]).toBeUndefined();
        }
        expect(r.coverage).toBe(DIGITS.every((d) => visible.has(d)) ? 'full' : 'partial');
        expect(r.coverage).toBe('partial');
        expect(server.requests.at(-1)!.body.top_logprobs).toBe(k);
      } finally {
        await server.close();
      }
    });
  }

  it('llama.cpp server: n_probs on /completion; nProbs -1 asks for the whole vocabulary (full coverage)', async () => {
    const server = await startFakeServer({ ownedBy: 'llamacpp' });
    try {
      const top = await createOpenAIBackend(`${server.url}#fake`, { env: {}, nProbs: 5 });
      expect(top.flavour).toBe('llama.cpp');
      const [partial] = await top.nextTokenProbabilities([PROMPTS[0]], DIGITS);
      expect(partial.coverage).toBe('partial');
      expect(server.requests.at(-1)).toMatchObject({ path: '/completion', body: { n_probs: 5, n_predict: 1, temperature: 0 } });
      const all = await createOpenAIBackend(`${server.url}#fake;nProbs=-1`, { env: {} });
      const [full] = await all.nextTokenProbabilities([PROMPTS[0]], DIGITS);
      expect(full.coverage).toBe('full');
      const want = new Map(distribution(PROMPTS[0]).map((t) => [t.token, Math.exp(t.logprob)]));
      for (const d of DIGITS) expect(full.probs[d]).toBeCloseTo(want.get(d)!, 12);
      expect(server.requests.at(-1)!.body.n_probs).toBe(distribution('').length);
      // An explicit flavour still probes /v1/models when it needs the vocabulary size.
      const explicit = new OpenAIBackend({ baseURL: server.url, model: 'fake', flavour: 'llama.cpp', nProbs: -1, env: {} });
      expect((await explicit.nextTokenProbabilities([PROMPTS[0]], DIGITS))[0]).toEqual(full);
      expect(await all.tokenize('A')).toEqual([65]);
      expect(server.requests.at(-1)).toMatchObject({ path: '/tokenize', body: { content: 'A', add_special: false } });
    } finally {
      await server.close();
    }
  });

  it('a response without logprobs is a CAPABILITY_MISSING error naming the server flag', async () => {
    const server = await startFakeServer({ noLogprobs: true });
    try {
      const b = new OpenAIBackend({ baseURL: server.url, model: 'fake', flavour: 'vllm', env: {} });
      const e = await caught(b.nextTokenProbabilities(['x'], DIGITS));
      expect(e.code).toBe('CAPABILITY_MISSING');
      expect(e.message).toContain('--max-logprobs');
    } finally {
      await server.close();
    }
  });
});

describe('API key handling', () => {
  const KEY = 'sk-test-SECRET-0123456789abcdef';
  it('sends the key from the environment and never shows it in errors, logs or inspect output', async () => {
    const lines: string[] = [];
    const b = backend({ env: { MY_KEY: KEY }, apiKeyEnv: 'MY_KEY', logger: (l) => lines.push(l), maxRetries: 1 });
    await b.nextTokenProbabilities(['hello'], DIGITS);
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
    // The server echoes the key back, as some do in their 401 text.
    const echo = JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}. Header was Authorization: Bearer ${KEY}` } });
    fake.faults.push({ kind: 'status', status: 500, body: echo }, { kind: 'status', status: 401, body: echo });
    const e = await caught(b.nextTokenProbabilities(['hello'], DIGITS));
    expect(e.code).toBe('AUTH');
    const everything = [e.message, JSON.stringify(e.details), inspect(e, { depth: 5 }), inspect(b, { depth: 5, showHidden: true }), JSON.stringify(b), ...lines].join('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('SECRET-0123');
    expect(everything).toContain('[REDACTED]');
  });

  it('reads OPENAI_API_KEY by default', async () => {
    const b = backend({ env: { OPENAI_API_KEY: KEY } });
    await b.generate('hi', { maxTokens: 2 });
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});

describe('generate, embed, tokenize, spec', () => {
  it('generates on chat and completions', async () => {
    const b = backend({ flavour: 'openai' });
    const chat = await b.generate([{ role: 'user', content: 'hi' }], { maxTokens: 5, temperature: 0, seed: 1, stop: ['\n'] });
    expect(chat).toEqual({ text: `${distribution('hi')[0].token}!`, tokens: 2, finishReason: 'length' });
    expect(fake.requests.at(-1)!.body).toMatchObject({ model: 'fake', max_tokens: 5, temperature: 0, seed: 1, stop: ['\n'] });
    expect(fake.requests.at(-1)!.body.top_k).toBeUndefined();
    const c = backend({ flavour: 'vllm' });
    const comp = await c.generate('hi', { maxTokens: 5, topK: 3 });
    expect(comp.text).toBe(`${distribution('hi')[0].token}?`);
    expect(comp.finishReason).toBe('stop');
    expect(fake.requests.at(-1)).toMatchObject({ path: '/v1/completions', body: { top_k: 3 } });
  });

  it('embeds in input order and tokenizes where the flavour has /tokenize', async () => {
    const b = backend();
    const v = await b.embed(['a', 'bbb']);
    expect(v.map((x) => Array.from(x))).toEqual([[1, 1, 0], [3, 1, 0]]);
    expect(await b.tokenize('AB')).toEqual([65, 66]);
    expect(fake.requests.at(-1)).toMatchObject({ path: '/tokenize', body: { prompt: 'AB', add_special_tokens: false } });
    expect((await caught(backend({ flavour: 'openai' }).tokenize('x'))).code).toBe('CAPABILITY_MISSING');
  });

  it('works as an Embedder (row-major, L2-normalised) through the plugin', async () => {
    const plugin = (await import('../src/index.js')).default;
    const e = await plugin.embedders.openai(`${fake.url}#fake`, { env: {} });
    expect(e.dim).toBe(3);
    const v = await e.embed(['abc', 'a']);
    expect(Array.from(v)).toEqual([3, 1, 0, 1, 1, 0].map((x, i) => x / Math.hypot(...(i < 3 ? [3, 1, 0] : [1, 1, 0]))).map((x) => Math.fround(x)));
  });

  it('rejects empty prompts and bad specs with typed errors', async () => {
    expect((await caught(backend().nextTokenProbabilities([''], DIGITS))).code).toBe('BAD_INPUT');
    expect((await caught(createOpenAIBackend('http://x/v1'))).code).toBe('BAD_CONFIG');
    expect((await caught(createOpenAIBackend('ftp://x/v1#m'))).code).toBe('BAD_CONFIG');
  });

  it('auto-detects the flavour from /v1/models', async () => {
    const server = await startFakeServer({ ownedBy: 'vllm', maxTopLogprobs: 20 });
    try {
      const b = await createOpenAIBackend(`${server.url}#fake`, { env: {} });
      expect(b.flavour).toBe('vllm');
      expect(b.capabilities()).toMatchObject({ logprobs: 'topK', k: 20 });
      const b2 = await createOpenAIBackend(`${server.url.replace('/v1', '')}#fake;flavour=tgi`, { env: {} });
      expect(b2.flavour).toBe('tgi');
      expect(b2.id).toBe(`openai:${server.url}#fake`);
    } finally {
      await server.close();
    }
  });
});
