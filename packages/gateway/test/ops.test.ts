/**
 * Operations over real HTTP on the real tiny model: API keys (env and file, reloaded on SIGHUP-style reload), the
 * per-key rate limit (429 with Retry-After), OpenAI-style 4xx for bad requests with the server staying up, the
 * Prometheus metrics, /healthz and /readyz, and a graceful shutdown that drains requests in flight.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI, { AuthenticationError, RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_MISSING, haveModel, until } from './helpers.js';
import { postJson, readLog, startTestGateway, type TestGateway } from './fixture.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
const KEY_C = 'key-c-0123456789abcdef';
const chat = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'tiny', messages: [{ role: 'user', content }], max_tokens: 8, seed: 1, ...extra });

describe.skipIf(!haveModel)('gateway operations', () => {
  let t: TestGateway;
  let url: string;
  let keyFile: string;

  beforeAll(async () => {
    process.env.SELFJ_GW_TEST_KEYS = `alice:${KEY_A}`;
    const { tempDir } = await import('./helpers.js');
    keyFile = join(tempDir(), 'keys.txt');
    writeFileSync(keyFile, `# team keys\nbob:${KEY_B}\n`);
    t = await startTestGateway({
      gateway: { apiKeysEnv: 'SELFJ_GW_TEST_KEYS', apiKeysFile: keyFile, maxBodyBytes: 4096, maxN: 3, log: { text: true } },
    });
    url = t.gw.url;
  }, 60_000);
  afterAll(async () => {
    delete process.env.SELFJ_GW_TEST_KEYS;
    await t?.close();
  });

  const auth = (k: string) => ({ authorization: `Bearer ${k}` });

  it('needs one of the API keys (env or file): 401 otherwise, in OpenAI shape; the openai client gets AuthenticationError', async () => {
    const none = await postJson(`${url}/chat/completions`, chat('Hi'));
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });
    expect((await postJson(`${url}/chat/completions`, chat('Hi'), auth('wrong-key-123456'))).status).toBe(401);
    const err = await new OpenAI({ baseURL: url, apiKey: 'nope-nope-nope', maxRetries: 0 }).models.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    const ok = await postJson(`${url}/chat/completions`, chat('Hi'), auth(KEY_A));
    expect(ok.status).toBe(200);
    expect((await postJson(`${url}/completions`, { model: 'tiny', prompt: 'Hi', max_tokens: 4 }, { 'x-api-key': KEY_B })).status).toBe(200);
    // health, readiness and metrics need no key (scrapers, load balancers)
    expect((await fetch(`${url.replace('/v1', '')}/healthz`)).status).toBe(200);
    // the log names the key, never the key itself
    const text = readLogText();
    expect(text).toContain('"key":"alice"');
    expect(text).not.toContain(KEY_A);
  }, 60_000);

  function readLogText(): string {
    return readLog(t.logFile).map((l) => JSON.stringify(l)).join('\n');
  }

  it('rate-limits per key: past the limit in the window 429 with Retry-After; another key is unaffected', async () => {
    const r = await startTestGateway({ gateway: { apiKeysEnv: 'SELFJ_GW_TEST_KEYS2', rateLimit: { perKey: 3, windowMs: 60_000 } } }, { extra: {} }).catch((e: unknown) => e);
    // the variable is unset: a clear startup error, not a gateway without keys
    expect((r as Error).message).toMatch(/SELFJ_GW_TEST_KEYS2 is empty or not set/);
    process.env.SELFJ_GW_TEST_KEYS2 = `${KEY_A},${KEY_B}`;
    const t2 = await startTestGateway({ gateway: { apiKeysEnv: 'SELFJ_GW_TEST_KEYS2', rateLimit: { perKey: 3, windowMs: 60_000 } } });
    try {
      const u = t2.gw.url;
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await postJson(`${u}/chat/completions`, chat('Hi'), auth(KEY_A))).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await postJson(`${u}/chat/completions`, chat('Hi'), auth(KEY_A));
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited.json.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      const err = await new OpenAI({ baseURL: u, apiKey: KEY_A, maxRetries: 0 }).chat.completions.create(chat('Hi') as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitError);
      expect((await postJson(`${u}/chat/completions`, chat('Hi'), auth(KEY_B))).status).toBe(200);
      expect(await t2.gw.metrics.text()).toMatch(/selfj_gateway_rate_limited_total 3/);
    } finally {
      delete process.env.SELFJ_GW_TEST_KEYS2;
      await t2.close();
    }
  }, 60_000);

  it('answers bad requests with OpenAI-style 4xx and stays up', async () => {
    const k = auth(KEY_C);
    writeFileSync(keyFile, `bob:${KEY_B}\ncarol:${KEY_C}\n`); // a key added to the file counts after a reload
    expect((await postJson(`${url}/chat/completions`, chat('Hi'), k)).status).toBe(401);
    await t.gw.reload('keys');
    const cases: [string, string, unknown, Record<string, string>, number, RegExp][] = [
      ['invalid JSON', '/chat/completions', '{"messages": [', {}, 400, /not valid JSON/],
      ['not an object', '/chat/completions', '[1,2]', {}, 400, /JSON object/],
      ['no messages', '/chat/completions', { model: 'tiny' }, {}, 400, /messages/],
      ['a bad role', '/chat/completions', { messages: [{ role: 'robot', content: 'x' }] }, {}, 400, /messages\.0\.role/],
      ['no user message', '/chat/completions', { messages: [{ role: 'system', content: 'x' }] }, {}, 400, /user message/],
      ['temperature 3', '/chat/completions', chat('Hi', { temperature: 3 }), {}, 400, /temperature/],
      ['max_tokens 0', '/chat/completions', chat('Hi', { max_tokens: 0 }), {}, 400, /max_tokens/],
      ['tools', '/chat/completions', chat('Hi', { tools: [{ type: 'function', function: { name: 'f' } }] }), {}, 400, /tools is not supported/],
      ['logprobs', '/chat/completions', chat('Hi', { logprobs: true }), {}, 400, /logprobs is not supported/],
      ['n over maxN', '/completions', { prompt: 'Hi', selfj: { mode: 'best-of-n', n: 9 } }, {}, 400, /n = 9 is over this gateway's limit of 3/],
      ['n > 1 outside best-of-n', '/chat/completions', chat('Hi', { n: 2 }), {}, 400, /best-of-n/],
      ['a mode not allowed', '/chat/completions', chat('Hi', { selfj: { mode: 'shadow' } }), {}, 400, /does not let a request choose the mode "shadow"/],
      ['cascade without a fallback', '/chat/completions', chat('Hi', { selfj: { mode: 'cascade' } }), {}, 400, /needs a fallback/],
      ['an unknown selfj field', '/chat/completions', chat('Hi', { selfj: { tau: 0 } }), {}, 400, /selfj/],
      ['two prompts', '/completions', { prompt: ['a', 'b'] }, {}, 400, /prompt/],
      ['another model', '/chat/completions', chat('Hi', { model: 'gpt-4' }), {}, 404, /does not exist/],
      ['a body over the limit', '/chat/completions', chat('x'.repeat(8000)), {}, 413, /./],
      ['form-encoded', '/chat/completions', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }, 415, /JSON/],
    ];
    for (const [name, path, body, headers, status, message] of cases) {
      const r = await postJson(`${url}${path}`, body, { ...k, ...headers });
      expect(r.status, name).toBe(status);
      expect(r.json?.error?.message, name).toMatch(message);
      expect(typeof r.json.error.type, name).toBe('string');
    }
    const unknown = await fetch(`${url}/nope`, { headers: k });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    // still up and answering
    expect((await postJson(`${url}/chat/completions`, chat('Hi'), k)).status).toBe(200);
  }, 60_000);

  it('/metrics is Prometheus text with requests, decisions, declines by reason, scores and phase latencies', async () => {
    const res = await fetch(`${url.replace('/v1', '')}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/selfj_gateway_requests_total\{route="\/v1\/chat\/completions",status="200"\} \d+/);
    expect(text).toMatch(/selfj_gateway_requests_total\{route="\/v1\/chat\/completions",status="401"\} \d+/);
    expect(text).toMatch(/selfj_gateway_decisions_total\{mode="gate",decision="(answer|decline)"\} \d+/);
    expect(text).toMatch(/selfj_gateway_phase_seconds_bucket\{le="[0-9.]+",phase="upstream"\} \d+/);
    expect(text).toMatch(/selfj_gateway_phase_seconds_count\{phase="judge"\} \d+/);
    expect(text).toMatch(/selfj_gateway_score_count\{mode="gate"\} \d+/);
    expect(text).toMatch(/selfj_gateway_judge_batch_size_count \d+/);
    expect(text).toMatch(/selfj_gateway_tau 4\.5/);
    expect(text).toMatch(/selfj_gateway_process_cpu_seconds_total/);
    const decided = [...text.matchAll(/selfj_gateway_decisions_total\{mode="gate",decision="\w+"\} (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    expect(decided).toBe(readLog(t.logFile).filter((l) => l.mode === 'gate' && l.decision !== 'error').length);
  });

  it('with log.text the decision log has the request and the answer', () => {
    const line = readLog(t.logFile).find((l) => l.decision === 'answer' || l.decision === 'decline')!;
    expect(line.request).toEqual([{ role: 'user', content: 'Hi' }]);
    expect(typeof line.answer === 'string' || line.decision === 'decline').toBe(true);
  });

  it('drains on close: requests in flight finish with 200, /readyz turns 503, new requests are refused', async () => {
    const k = auth(KEY_A);
    let finished = 0;
    const flight = Array.from({ length: 6 }, (_, i) => postJson(`${url}/chat/completions`, chat(`Story ${i}`, { max_tokens: 48 }), k).finally(() => finished++));
    const ready = async () => (await (await fetch(`${url.replace('/v1', '')}/readyz`)).json()) as { ready: boolean; inFlight: number };
    // all six received (being worked on, or already answered) before the gateway is told to stop
    await until(async () => (await ready()).inFlight + finished >= 6);
    expect(finished).toBeLessThan(6); // some are still in flight when it stops
    const closing = t.gw.close();
    const during = await fetch(`${url.replace('/v1', '')}/readyz`).then((r) => r.status, () => 'refused');
    expect(during === 503 || during === 'refused').toBe(true);
    const results = await Promise.all(flight);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    await closing;
    const after = await fetch(`${url}/models`, { headers: k }).then((r) => r.status, () => 'refused');
    expect(after === 'refused' || after === 503).toBe(true);
  }, 60_000);
});

// Reported as skipped, with the reason, only when the model is missing.
if (!haveModel) describe('gateway operations', () => it.skip(`skipped: ${MODEL_MISSING}`, () => undefined));
