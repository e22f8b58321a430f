/** Log-probability checks: tokenizer, candidate probabilities, the full distribution, top-k, batch invariance. */
import { expect, it } from 'vitest';
import { digitCandidates, scoreDigits } from '@selfj/core/stages';
import { expectSelfjError, selfjCode, skipUnless } from '../checks.js';
import type { BackendHarness } from './options.js';

const NO_LOGPROBS = 'the backend declares logprobs "none"';

export function logprobChecks(h: BackendHarness): void {
  it('tokenizes into integer ids, the same each time; every digit has a token', async (ctx) => {
    const b = h.backend();
    let ids: number[];
    try {
      ids = await b.tokenize('Once upon a time');
    } catch (e) {
      // The contract lets a backend without a tokenizer say so with CAPABILITY_MISSING.
      skipUnless(ctx, selfjCode(e) !== 'CAPABILITY_MISSING', 'tokenize() reports CAPABILITY_MISSING (no tokenizer)');
      throw e;
    }
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(Number.isInteger(id) && id >= 0, `token id ${id}`).toBe(true);
    expect(await b.tokenize('Once upon a time')).toEqual(ids);
    for (let d = 0; d < 10; d++) expect((await b.tokenize(String(d))).length, `digit ${d}`).toBeGreaterThan(0);
  }, h.timeout);

  it('candidate probabilities lie in [0, 1], sum to at most 1, and coverage is honest', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.logprobs !== 'none', NO_LOGPROBS);
    const { candidates, digitOf } = digitCandidates();
    const [r] = await h.backend().nextTokenProbabilities([h.prompts[0]], candidates);
    const visible = new Set<number>();
    let sum = 0;
    for (const cand of candidates) {
      const p = r.probs[cand];
      if (p === undefined) continue;
      expect(p, `p(${JSON.stringify(cand)})`).toBeGreaterThanOrEqual(0);
      expect(p, `p(${JSON.stringify(cand)})`).toBeLessThanOrEqual(1);
      sum += p;
      visible.add(digitOf.get(cand)!);
      const id = r.ids?.[cand];
      if (id !== undefined) expect(Number.isInteger(id) && id >= 0, `id of ${JSON.stringify(cand)}`).toBe(true);
    }
    expect(sum).toBeLessThanOrEqual(1 + 1e-6);
    if (c.singleTokenDigits) expect([...visible].sort(), 'every digit 0..9 is one token after the prompt').toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    if (c.logprobs === 'full') expect(r.coverage, 'a backend that claims logprobs "full" must report coverage "full"').toBe('full');
    // "partial" must mean that something really was hidden
    if (r.coverage === 'partial') expect(candidates.some((x) => r.probs[x] === undefined)).toBe(true);
    // No prompts: no results, without a call to the model (a batch that happens to be empty is not an error).
    expect(await h.backend().nextTokenProbabilities([], candidates), 'no prompts, no results').toEqual([]);
  }, h.timeout);

  it('the next-token distribution sums to 1 over the full vocabulary and agrees with the candidate probabilities', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.logprobs === 'full', `needs logprobs "full"; the backend declares "${c.logprobs}"`);
    const b = h.backend();
    expect(typeof b.topTokens, 'a backend that claims logprobs "full" must implement topTokens(prompt, Infinity)').toBe('function');
    const all = await b.topTokens!(h.prompts[0], Infinity);
    let sum = 0;
    let prev = Infinity;
    for (const t of all) {
      const p = Math.exp(t.logprob);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1 + 1e-9);
      expect(t.logprob, 'most likely first').toBeLessThanOrEqual(prev + 1e-12);
      prev = t.logprob;
      sum += p;
    }
    expect(sum).toBeGreaterThan(1 - 1e-3);
    expect(sum).toBeLessThan(1 + 1e-3);
    // Same token => same probability: by id when the backend reports ids, else texts that exactly one token decodes to.
    const { candidates } = digitCandidates();
    const [r] = await b.nextTokenProbabilities([h.prompts[0]], candidates);
    const byId = new Map(all.map((t) => [t.id, Math.exp(t.logprob)]));
    const byText = new Map<string, number | null>();
    for (const t of all) byText.set(t.token, byText.has(t.token) ? null : Math.exp(t.logprob));
    let compared = 0;
    for (const cand of candidates) {
      const p = r.probs[cand];
      const id = r.ids?.[cand];
      const q = id !== undefined ? byId.get(id) : byText.get(cand);
      if (p === undefined || q === undefined || q === null) continue;
      expect(Math.abs(p - q), `p(${JSON.stringify(cand)}) vs the distribution`).toBeLessThan(1e-6);
      compared++;
    }
    expect(compared, 'at least one candidate found in the distribution').toBeGreaterThan(0);
  }, h.timeout);

  it('top-k answers are at most k, most likely first, and sub-normalised', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.logprobs === 'topK', `only for logprobs "topK"; the backend declares "${c.logprobs}"`);
    const b = h.backend();
    skipUnless(ctx, typeof b.topTokens === 'function', 'the backend does not implement topTokens() (optional)');
    const k = c.k ?? 5;
    const top = await b.topTokens!(h.prompts[0], k);
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(k);
    for (let i = 1; i < top.length; i++) expect(top[i].logprob).toBeLessThanOrEqual(top[i - 1].logprob + 1e-12);
    expect(top.reduce((s, t) => s + Math.exp(t.logprob), 0)).toBeLessThanOrEqual(1 + 1e-6);
  }, h.timeout);

  it(`the digit distribution is the same at batch size 1 and 16 (within the batch tolerance), and on a repeat`, async (ctx) => {
    skipUnless(ctx, h.claims().logprobs !== 'none', NO_LOGPROBS);
    const b = h.backend();
    const batch = h.prompts.slice(0, 16);
    expect(batch.length, 'the suite needs 16 prompts').toBe(16);
    const together = await scoreDigits(b, batch);
    const again = await scoreDigits(b, batch);
    for (let i = 0; i < batch.length; i++) {
      const [alone] = await scoreDigits(b, [batch[i]]);
      for (let d = 0; d < 10; d++) {
        expect(Math.abs(alone.probs[d] - together[i].probs[d]), `prompt ${i} digit ${d}`).toBeLessThanOrEqual(h.tol);
        expect(Math.abs(again[i].probs[d] - together[i].probs[d]), `repeat: prompt ${i} digit ${d}`).toBeLessThanOrEqual(h.tol);
      }
      expect(Math.abs(alone.digitMass - together[i].digitMass)).toBeLessThanOrEqual(h.tol);
      expect(alone.missing).toEqual(together[i].missing);
    }
  }, h.timeout);

  it('scoreDigits gives a renormalised distribution and an expected value in [0, 9]', async (ctx) => {
    skipUnless(ctx, h.claims().logprobs !== 'none', NO_LOGPROBS);
    const scores = await scoreDigits(h.backend(), h.prompts.slice(0, 4));
    for (const s of scores) {
      expect(s.probs.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 9);
      expect(s.expected).toBeGreaterThanOrEqual(0);
      expect(s.expected).toBeLessThanOrEqual(9);
      expect(s.digitMass).toBeGreaterThan(0);
      expect(s.digitMass).toBeLessThanOrEqual(1 + 1e-6);
      expect(s.coverage === 'full').toBe(s.missing.length === 0);
    }
  }, h.timeout);
}
