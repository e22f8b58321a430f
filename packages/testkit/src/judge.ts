/**
 * The judge conformance suite: one score per item in order, on the judge's scale, distributions that sum to 1,
 * deterministic and batch-independent, reference-free judges blind to the reference, a stable fingerprint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Judge, JudgeItem, JudgeScore } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS, expectJsonStable, expectSelfjError, skipUnless, thrown } from './checks.js';
import { DEFAULT_ITEMS } from './prompts.js';

export interface JudgeConformanceOptions {
  /** Items to score (at least 4; default: short instruction/reference/response triples). */
  items?: JudgeItem[];
  /** Allowed score difference between batch size 1 and n, and between runs (default 1e-5). */
  tolerance?: number;
  timeoutMs?: number;
}

function scores(out: (JudgeScore | Error)[], n: number): JudgeScore[] {
  expect(out.length, 'one result per item').toBe(n);
  return out.map((s, i) => {
    if (s instanceof Error) throw new Error(`item ${i} failed: ${s.message}`, { cause: s });
    return s;
  });
}

export function runJudgeConformance(name: string, make: () => Judge | Promise<Judge>, options: JudgeConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const items = options.items ?? DEFAULT_ITEMS;
  const tol = options.tolerance ?? 1e-5;
  let judge: Judge | undefined;
  const j = () => {
    if (!judge) throw new Error(`judge ${name} was not created (see the error of beforeAll)`);
    return judge;
  };

  describe(`judge conformance: ${name}`, () => {
    beforeAll(async () => {
      judge = await make();
    }, timeout);
    afterAll(async () => {
      await judge?.close?.();
    }, timeout);

    it('has an id, a finite scale min < max and a JSON fingerprint that is the same each time', async () => {
      expect(j().id.length).toBeGreaterThan(0);
      const { min, max } = j().scale;
      expect(Number.isFinite(min) && Number.isFinite(max) && min < max, `scale ${min}..${max}`).toBe(true);
      expect(typeof j().usesReference).toBe('boolean');
      const f = await j().fingerprint();
      expectJsonStable(f, 'fingerprint()');
      expect(await j().fingerprint()).toEqual(f);
    }, timeout);

    it('scores every item in order on its scale; distributions sum to 1; nothing for no items', async () => {
      const { min, max } = j().scale;
      for (const [i, s] of scores(await j().score(items), items.length).entries()) {
        expect(Number.isFinite(s.score), `item ${i} score`).toBe(true);
        expect(s.score, `item ${i}`).toBeGreaterThanOrEqual(min);
        expect(s.score, `item ${i}`).toBeLessThanOrEqual(max);
        if (s.probs) {
          expect(s.probs.every((p) => p >= 0 && p <= 1 + 1e-9), `item ${i} probs in [0, 1]`).toBe(true);
          expect(s.probs.reduce((a, p) => a + p, 0), `item ${i} probs sum`).toBeCloseTo(1, 6);
        }
        if (s.details) expectJsonStable(s.details, `item ${i} details`);
      }
      expect(await j().score([])).toEqual([]);
    }, timeout);

    it('is deterministic and the same alone and in a batch', async () => {
      const all = scores(await j().score(items), items.length);
      const again = scores(await j().score([...items].reverse()), items.length).reverse();
      for (let i = 0; i < items.length; i++) {
        const [alone] = scores(await j().score([items[i]]), 1);
        expect(Math.abs(alone.score - all[i].score), `item ${i} alone vs batch`).toBeLessThanOrEqual(tol);
        expect(Math.abs(again[i].score - all[i].score), `item ${i} in another order`).toBeLessThanOrEqual(tol);
      }
    }, timeout);

    it('a reference-free judge gives the same scores with and without references', async (ctx) => {
      skipUnless(ctx, !j().usesReference, 'the judge uses references (usesReference: true)');
      const withRef = scores(await j().score(items), items.length);
      const noRef = scores(await j().score(items.map(({ instruction, response }) => ({ instruction, response }))), items.length);
      const otherRef = scores(await j().score(items.map((it) => ({ ...it, reference: 'Something else entirely.' }))), items.length);
      for (let i = 0; i < items.length; i++) {
        expect(Math.abs(noRef[i].score - withRef[i].score), `item ${i} without reference`).toBeLessThanOrEqual(tol);
        expect(Math.abs(otherRef[i].score - withRef[i].score), `item ${i} with another reference`).toBeLessThanOrEqual(tol);
      }
    }, timeout);

    it('an already-aborted signal rejects with SelfjError ABORTED', async () => {
      expectSelfjError(await thrown(() => j().score(items, { signal: AbortSignal.abort() })), 'ABORTED', 'score');
    }, timeout);

    it('close() is idempotent', async (ctx) => {
      skipUnless(ctx, typeof j().close === 'function', 'the judge has no close() (optional in the contract)');
      await j().close!();
      await j().close!();
    }, timeout);
  });
}
