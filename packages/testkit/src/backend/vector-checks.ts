/** Checks of the optional outputs: hidden-state features, embeddings, continuation scores. */
import { expect, it } from 'vitest';
import { maxAbsDiff, skipUnless } from '../checks.js';
import type { BackendHarness } from './options.js';

function expectFiniteRows(rows: Float32Array[], n: number, what: string): number {
  expect(rows.length, `${what}: one vector per input`).toBe(n);
  const dim = rows[0].length;
  expect(dim, `${what}: non-empty vectors`).toBeGreaterThan(0);
  for (const v of rows) {
    expect(v.length, `${what}: one dimension for all`).toBe(dim);
    expect(v.every(Number.isFinite), `${what}: finite values`).toBe(true);
  }
  return dim;
}

export function vectorChecks(h: BackendHarness): void {
  it('features: one finite vector per prompt, the same alone and in a batch, different for different prompts', async (ctx) => {
    skipUnless(ctx, h.claims().features, 'capabilities().features is false (no hidden-state features)');
    const b = h.backend();
    expect(typeof b.features, 'capabilities().features is true, so features() must exist').toBe('function');
    const a = await b.features!(h.prompts.slice(0, 3));
    expectFiniteRows(a, 3, 'features');
    const [alone] = await b.features!([h.prompts[1]]);
    expect(maxAbsDiff(alone, a[1])).toBeLessThan(Math.max(h.tol, 1e-4));
    expect(a[0].some((x, i) => x !== a[2][i]), 'different prompts, different features').toBe(true);
  }, h.timeout);

  it('embed: one finite vector per text, the same for the same text', async (ctx) => {
    skipUnless(ctx, h.claims().embeddings, 'capabilities().embeddings is false (no embeddings)');
    const b = h.backend();
    expect(typeof b.embed, 'capabilities().embeddings is true, so embed() must exist').toBe('function');
    const e = await b.embed!(['a small cat', 'a large dog', 'a small cat']);
    expectFiniteRows(e, 3, 'embed');
    expect(maxAbsDiff(e[0], e[2])).toBeLessThan(1e-4);
    expect(e[0].some((x, i) => x !== e[1][i]), 'different texts, different vectors').toBe(true);
  }, h.timeout);

  it('scoreContinuation: log-probabilities <= 0 with token counts, one per item, the same alone and in a batch', async (ctx) => {
    const b = h.backend();
    skipUnless(ctx, typeof b.scoreContinuation === 'function', 'the backend does not implement scoreContinuation() (optional)');
    const items = h.prompts.slice(0, 4).map((prompt, i) => ({ prompt, continuation: `${i + 3} because it is a nice story` }));
    const all = await b.scoreContinuation!(items);
    expect(all.length).toBe(items.length);
    for (const s of all) {
      expect(Number.isFinite(s.logprob)).toBe(true);
      expect(s.logprob).toBeLessThanOrEqual(1e-9);
      expect(Number.isInteger(s.tokens) && s.tokens >= 1, `tokens ${s.tokens}`).toBe(true);
    }
    const [alone] = await b.scoreContinuation!([items[2]]);
    expect(Math.abs(alone.logprob - all[2].logprob)).toBeLessThanOrEqual(Math.max(h.tol, 1e-6) * Math.max(1, Math.abs(alone.logprob)));
    expect(alone.tokens).toBe(all[2].tokens);
  }, h.timeout);
}
