/**
 * The shared backend conformance suite (ARCHITECTURE.md): every ModelBackend must pass it. Call
 * `runBackendConformance(name, makeBackend, options)` from a vitest test file; it registers a describe block.
 * `options` says what the backend claims (full log-probabilities or top-k only, features, embeddings, ...), and the
 * suite holds it to those claims.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digitCandidates, isSelfjError, scoreDigits, type ModelBackend, type Prompt } from '@selfj/core';

export interface ConformanceOptions {
  /** What the backend returns: the full vocabulary distribution, only the top k, or nothing. */
  logprobs: 'full' | 'topK' | 'none';
  /** With logprobs 'topK': the k the backend promises. */
  k?: number;
  /** Digits "0".."9" are single tokens after a prompt in this tokenizer (default true with logprobs 'full'). */
  singleTokenDigits?: boolean;
  /** The backend can generate text (default true). */
  generation?: boolean;
  /** Check `features` / `embed` (default: what capabilities() says). */
  features?: boolean;
  embeddings?: boolean;
  /** The backend knows its context size and rejects longer prompts with PROMPT_TOO_LONG (default true). */
  checksPromptLength?: boolean;
  /** Allowed difference of a digit probability between batch size 1 and 16 (default 1e-5). */
  batchTolerance?: number;
  /** Prompts after which a score digit is plausible (at least 16; defaults provided). */
  prompts?: string[];
  /** Per-test timeout in ms (default 120000). */
  timeoutMs?: number;
}

const STORIES = [
  'Lily found a red ball in the park', 'Tom and his dog went to the beach', 'A little bird could not fly',
  'Sam baked a cake for his mom', 'The cat climbed a tall tree', 'Anna lost her favourite toy',
  'Ben saw a big truck in the street', 'The sun was hot and the kids played', 'Mia painted a picture of a frog',
  'A bear ate all the honey', 'Max was scared of the dark', 'Two friends built a sand castle',
  'The rain made a big puddle', 'Sue shared her apple with Joe', 'A fish jumped out of the pond', 'Tim fixed his bike',
];

export const DEFAULT_CONFORMANCE_PROMPTS = STORIES.map(
  (s, i) => `Story: ${s}. Question: how good is this story on a scale from 0 to 9? Answer with one digit.\nScore (item ${i}): `,
);

/** Runs `fn` and returns the error it throws (fails the test when it does not throw). */
async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but the call succeeded');
}

function expectCode(e: unknown, code: string): void {
  expect(isSelfjError(e), `expected a SelfjError ${code}, got ${String(e)}`).toBe(true);
  expect((e as { code: string }).code).toBe(code);
}

export function runBackendConformance(
  name: string,
  makeBackend: () => Promise<ModelBackend>,
  options: ConformanceOptions,
): void {
  const timeout = options.timeoutMs ?? 120_000;
  const prompts = options.prompts ?? DEFAULT_CONFORMANCE_PROMPTS;
  const tol = options.batchTolerance ?? 1e-5;
  const hasLogprobs = options.logprobs !== 'none';
  const singleTokenDigits = options.singleTokenDigits ?? options.logprobs === 'full';

  describe(`backend conformance: ${name}`, () => {
    let backend: ModelBackend;
    beforeAll(async () => {
      backend = await makeBackend();
    }, timeout);
    afterAll(async () => {
      await backend?.close();
    }, timeout);

    it('declares the capabilities it was tested for', () => {
      const caps = backend.capabilities();
      expect(caps.logprobs).toBe(options.logprobs);
      if (caps.logprobs === 'topK') expect(caps.k).toBe(options.k);
      expect(typeof backend.id).toBe('string');
      expect(backend.id.length).toBeGreaterThan(0);
    });

    it('tokenizes into integer ids; every digit has a token', async () => {
      const ids = await backend.tokenize('Once upon a time');
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(Number.isInteger(id) && id >= 0).toBe(true);
      for (let d = 0; d < 10; d++) expect((await backend.tokenize(String(d))).length).toBeGreaterThan(0);
    }, timeout);

    it.runIf(hasLogprobs)('digit ids resolve after a prompt; probabilities lie in [0, 1]', async () => {
      const { candidates, digitOf } = digitCandidates();
      const [r] = await backend.nextTokenProbabilities([prompts[0]], candidates);
      const visible = new Set<number>();
      let sum = 0;
      for (const c of candidates) {
        const p = r.probs[c];
        if (p === undefined) continue;
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        sum += p;
        visible.add(digitOf.get(c)!);
      }
      expect(sum).toBeLessThanOrEqual(1 + 1e-6);
      if (singleTokenDigits) expect([...visible].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      if (options.logprobs === 'full') expect(r.coverage).toBe('full');
      // coverage must be honest: "full" means no candidate was hidden by a cut-off
      if (r.coverage === 'partial') expect(candidates.some((c) => r.probs[c] === undefined)).toBe(true);
    }, timeout);

    it.runIf(options.logprobs === 'full')('the next-token distribution sums to 1 over the full vocabulary', async () => {
      expect(typeof backend.topTokens, 'a full-logprobs backend must implement topTokens(prompt, Infinity)').toBe('function');
      const all = await backend.topTokens!(prompts[0], Infinity);
      let sum = 0;
      let prev = Infinity;
      for (const t of all) {
        const p = Math.exp(t.logprob);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1 + 1e-9);
        expect(t.logprob).toBeLessThanOrEqual(prev + 1e-12); // most likely first
        prev = t.logprob;
        sum += p;
      }
      expect(sum).toBeGreaterThan(1 - 1e-3);
      expect(sum).toBeLessThan(1 + 1e-3);
      // candidate probabilities agree with the distribution (same token id => same probability)
      const { candidates } = digitCandidates();
      const [r] = await backend.nextTokenProbabilities([prompts[0]], candidates);
      // by token id when the backend reports ids; else only texts that exactly one token decodes to
      const byId = new Map(all.map((t) => [t.id, Math.exp(t.logprob)]));
      const byText = new Map<string, number | null>();
      for (const t of all) byText.set(t.token, byText.has(t.token) ? null : Math.exp(t.logprob));
      let compared = 0;
      for (const c of candidates) {
        const p = r.probs[c];
        const id = r.ids?.[c];
        const q = id !== undefined ? byId.get(id) : byText.get(c);
        if (p === undefined || q === undefined || q === null) continue;
        expect(Math.abs(p - q)).toBeLessThan(1e-6);
        compared++;
      }
      expect(compared).toBeGreaterThan(0);
    }, timeout);

    it.runIf(options.logprobs === 'topK')('top-k answers are bounded by k, sorted and sub-normalised', async () => {
      if (!backend.topTokens) return;
      const top = await backend.topTokens(prompts[0], options.k ?? 5);
      expect(top.length).toBeLessThanOrEqual(options.k ?? 5);
      const sum = top.reduce((s, t) => s + Math.exp(t.logprob), 0);
      expect(sum).toBeLessThanOrEqual(1 + 1e-6);
    }, timeout);

    it.runIf(hasLogprobs)(`the digit distribution is the same at batch size 1 and 16 (within ${tol})`, async () => {
      const batch = prompts.slice(0, 16);
      expect(batch.length).toBe(16);
      const together = await scoreDigits(backend, batch);
      for (let i = 0; i < batch.length; i++) {
        const [alone] = await scoreDigits(backend, [batch[i]]);
        for (let d = 0; d < 10; d++) expect(Math.abs(alone.probs[d] - together[i].probs[d])).toBeLessThanOrEqual(tol);
        expect(Math.abs(alone.digitMass - together[i].digitMass)).toBeLessThanOrEqual(tol);
        expect(alone.missing).toEqual(together[i].missing);
      }
    }, timeout);

    it.runIf(hasLogprobs)('scoreDigits returns a renormalised distribution and an expected value in [0, 9]', async () => {
      const scores = await scoreDigits(backend, prompts.slice(0, 4));
      for (const s of scores) {
        expect(s.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
        expect(s.expected).toBeGreaterThanOrEqual(0);
        expect(s.expected).toBeLessThanOrEqual(9);
        expect(s.digitMass).toBeGreaterThan(0);
        expect(s.digitMass).toBeLessThanOrEqual(1 + 1e-6);
        expect(s.coverage === 'full').toBe(s.missing.length === 0);
      }
    }, timeout);

    it.runIf(options.generation ?? true)('greedy generation is deterministic and respects maxTokens', async () => {
      const prompt: Prompt = 'Once upon a time';
      const a = await backend.generate(prompt, { temperature: 0, maxTokens: 24 });
      const [b, c] = await Promise.all([
        backend.generate(prompt, { temperature: 0, maxTokens: 24 }),
        backend.generate(prompt, { temperature: 0, maxTokens: 24 }),
      ]);
      expect(a.text.length).toBeGreaterThan(0);
      expect(b.text).toBe(a.text);
      expect(c.text).toBe(a.text);
      if (a.tokens !== undefined) expect(a.tokens).toBeLessThanOrEqual(24);
      expect(['stop', 'length']).toContain(a.finishReason);
      const short = await backend.generate(prompt, { temperature: 0, maxTokens: 3 });
      if (short.tokens !== undefined) expect(short.tokens).toBeLessThanOrEqual(3);
      expect(short.text.length).toBeLessThanOrEqual(a.text.length);
    }, timeout);

    it.runIf(options.generation ?? true)('stop strings end the generation before the stop text', async () => {
      const free = await backend.generate('Once upon a time', { temperature: 0, maxTokens: 24 });
      const word = free.text.trim().split(/\s+/)[1];
      if (!word) return;
      const cut = await backend.generate('Once upon a time', { temperature: 0, maxTokens: 24, stop: [word] });
      expect(cut.text).toBe(free.text.slice(0, free.text.indexOf(word)));
      expect(cut.finishReason).toBe('stop');
    }, timeout);

    it('an aborted signal rejects with SelfjError ABORTED, and the backend keeps working', async () => {
      const pre = new AbortController();
      pre.abort();
      if (hasLogprobs) expectCode(await thrown(() => backend.nextTokenProbabilities(prompts, ['1'], { signal: pre.signal })), 'ABORTED');
      if (options.generation ?? true) {
        expectCode(await thrown(() => backend.generate('Once upon a time', { signal: pre.signal })), 'ABORTED');
        const mid = new AbortController();
        const running = backend.generate('Once upon a time', { temperature: 0, maxTokens: 400, signal: mid.signal });
        setTimeout(() => mid.abort(), 5);
        expectCode(await thrown(() => running), 'ABORTED');
      }
      if (hasLogprobs) {
        const mid = new AbortController();
        const many = Array.from({ length: 8 }, () => prompts).flat();
        const running = scoreDigits(backend, many, { signal: mid.signal });
        setTimeout(() => mid.abort(), 5);
        expectCode(await thrown(() => running), 'ABORTED');
        expect((await scoreDigits(backend, [prompts[1]])).length).toBe(1);
      }
    }, timeout);

    it('bad input gets typed errors and the backend stays usable', async () => {
      if (hasLogprobs) expectCode(await thrown(() => backend.nextTokenProbabilities([''], ['1'])), 'BAD_INPUT');
      if (options.generation ?? true) expectCode(await thrown(() => backend.generate('')), 'BAD_INPUT');
      const ctx = backend.capabilities().contextSize;
      if ((options.checksPromptLength ?? true) && ctx) {
        const long = 'the cat sat on the mat and '.repeat(Math.ceil(ctx / 2));
        if (hasLogprobs) expectCode(await thrown(() => backend.nextTokenProbabilities([long], ['1'])), 'PROMPT_TOO_LONG');
        if (options.generation ?? true) expectCode(await thrown(() => backend.generate(long)), 'PROMPT_TOO_LONG');
      }
      if (hasLogprobs) expect((await scoreDigits(backend, [prompts[2]]))[0].digitMass).toBeGreaterThan(0);
    }, timeout);

    it.runIf(options.features ?? false)('features: one finite vector per prompt, stable across calls', async () => {
      expect(backend.capabilities().features).toBe(true);
      const a = await backend.features!(prompts.slice(0, 3));
      const b = await backend.features!([prompts[1]]);
      expect(a.length).toBe(3);
      const dim = a[0].length;
      expect(dim).toBeGreaterThan(0);
      for (const v of a) {
        expect(v.length).toBe(dim);
        expect(v.every(Number.isFinite)).toBe(true);
      }
      for (let i = 0; i < dim; i++) expect(Math.abs(a[1][i] - b[0][i])).toBeLessThan(1e-4);
      expect(a[0].some((x, i) => x !== a[2][i])).toBe(true);
    }, timeout);

    it.runIf(options.embeddings ?? false)('embed: one finite vector per text, same dimension', async () => {
      expect(backend.capabilities().embeddings).toBe(true);
      const e = await backend.embed!(['a small cat', 'a large dog', 'a small cat']);
      expect(e.length).toBe(3);
      for (const v of e) {
        expect(v.length).toBe(e[0].length);
        expect(v.every(Number.isFinite)).toBe(true);
      }
      for (let i = 0; i < e[0].length; i++) expect(Math.abs(e[0][i] - e[2][i])).toBeLessThan(1e-4);
    }, timeout);
  });
}
