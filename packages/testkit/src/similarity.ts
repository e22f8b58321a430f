/**
 * The similarity conformance suite: one value in [-1, 1] per pair in order, an identical pair at least as similar
 * as an unrelated one, deterministic and batch-independent, a stable fingerprint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Similarity, SimilarityPair } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS, expectJsonStable, expectSelfjError, skipUnless, thrown } from './checks.js';
import { DEFAULT_ITEMS } from './prompts.js';

export interface SimilarityConformanceOptions {
  pairs?: SimilarityPair[];
  /** Allowed difference between batch size 1 and n, and between runs (default 1e-5). */
  tolerance?: number;
  timeoutMs?: number;
}

function values(out: (number | Error)[], n: number): number[] {
  expect(out.length, 'one value per pair').toBe(n);
  return out.map((v, i) => {
    if (v instanceof Error) throw new Error(`pair ${i} failed: ${v.message}`, { cause: v });
    expect(Number.isFinite(v), `pair ${i}`).toBe(true);
    expect(v, `pair ${i}`).toBeGreaterThanOrEqual(-1 - 1e-6);
    expect(v, `pair ${i}`).toBeLessThanOrEqual(1 + 1e-6);
    return v;
  });
}

export function runSimilarityConformance(name: string, make: () => Similarity | Promise<Similarity>, options: SimilarityConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pairs = options.pairs ?? DEFAULT_ITEMS.map(({ response, reference }) => ({ response, reference }));
  const tol = options.tolerance ?? 1e-5;
  let sim: Similarity | undefined;
  const s = () => {
    if (!sim) throw new Error(`similarity ${name} was not created (see the error of beforeAll)`);
    return sim;
  };

  describe(`similarity conformance: ${name}`, () => {
    beforeAll(async () => {
      sim = await make();
    }, timeout);
    afterAll(async () => {
      await sim?.close?.();
    }, timeout);

    it('has an id and a JSON fingerprint that is the same each time', async () => {
      expect(s().id.length).toBeGreaterThan(0);
      const f = await s().fingerprint();
      expectJsonStable(f, 'fingerprint()');
      expect(await s().fingerprint()).toEqual(f);
    }, timeout);

    it('gives one value in [-1, 1] per pair, in order; nothing for no pairs', async () => {
      values(await s().score(pairs), pairs.length);
      expect(await s().score([])).toEqual([]);
    }, timeout);

    it('an answer identical to its reference is at least as similar as an unrelated one', async () => {
      const ref = pairs[0].reference;
      const [same, other] = values(await s().score([{ response: ref, reference: ref }, { response: 'Quarterly tax forms are due in April.', reference: ref }]), 2);
      expect(same, `identical ${same} vs unrelated ${other}`).toBeGreaterThanOrEqual(other);
    }, timeout);

    it('is deterministic and the same alone and in a batch', async () => {
      const all = values(await s().score(pairs), pairs.length);
      const again = values(await s().score([...pairs].reverse()), pairs.length).reverse();
      for (let i = 0; i < pairs.length; i++) {
        const [alone] = values(await s().score([pairs[i]]), 1);
        expect(Math.abs(alone - all[i]), `pair ${i} alone vs batch`).toBeLessThanOrEqual(tol);
        expect(Math.abs(again[i] - all[i]), `pair ${i} in another order`).toBeLessThanOrEqual(tol);
      }
    }, timeout);

    it('an already-aborted signal rejects with SelfjError ABORTED', async () => {
      expectSelfjError(await thrown(() => s().score(pairs, { signal: AbortSignal.abort() })), 'ABORTED', 'score');
    }, timeout);

    it('close() is idempotent', async (ctx) => {
      skipUnless(ctx, typeof s().close === 'function', 'the similarity has no close() (optional in the contract)');
      await s().close!();
      await s().close!();
    }, timeout);
  });
}
