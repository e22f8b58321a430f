/**
 * The embedder conformance suite: row-major [n x dim] vectors, finite, deterministic, the same alone and in a
 * batch, L2-normalised where claimed, closer for similar sentences where claimed; typed errors; close().
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS, cosine, expectSelfjError, l2, maxAbsDiff, skipUnless, thrown } from './checks.js';
import { DEFAULT_EMBEDDER_TEXTS } from './prompts.js';

export interface EmbedderConformanceOptions {
  /** Every row has L2 norm 1 (for texts the embedder knows; the default texts are common English words). */
  normalized?: boolean;
  /** Similar sentences get a higher cosine than unrelated ones (a real sentence embedder; not a hashing one). */
  semantic?: boolean;
  /** Texts to embed (at least 4; default: common English sentences). */
  texts?: string[];
  /** Allowed difference of a vector entry between batch size 1 and n (default 1e-5). */
  batchTolerance?: number;
  timeoutMs?: number;
}

const row = (m: Float32Array, i: number, dim: number) => m.subarray(i * dim, (i + 1) * dim);

export function runEmbedderConformance(name: string, make: () => Embedder | Promise<Embedder>, options: EmbedderConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const texts = options.texts ?? DEFAULT_EMBEDDER_TEXTS;
  const tol = options.batchTolerance ?? 1e-5;
  let embedder: Embedder | undefined;
  const e = () => {
    if (!embedder) throw new Error(`embedder ${name} was not created (see the error of beforeAll)`);
    return embedder;
  };

  describe(`embedder conformance: ${name}`, () => {
    beforeAll(async () => {
      embedder = await make();
    }, timeout);
    afterAll(async () => {
      await embedder?.close?.();
    }, timeout);

    it('has an id and a positive integer dimension', () => {
      expect(typeof e().id).toBe('string');
      expect(e().id.length).toBeGreaterThan(0);
      expect(Number.isInteger(e().dim) && e().dim > 0, `dim ${e().dim}`).toBe(true);
    });

    it('returns one finite row of dim per text, different rows for different texts, and nothing for no texts', async () => {
      const { dim } = e();
      const m = await e().embed(texts);
      expect(m).toBeInstanceOf(Float32Array);
      expect(m.length).toBe(texts.length * dim);
      expect(m.every(Number.isFinite)).toBe(true);
      expect(maxAbsDiff(row(m, 0, dim), row(m, 1, dim)), 'two different texts, two different vectors').toBeGreaterThan(0);
      expect((await e().embed([])).length).toBe(0);
    }, timeout);

    it('is deterministic and the same alone and in a batch (within the batch tolerance)', async () => {
      const { dim } = e();
      const together = await e().embed(texts);
      const again = await e().embed([...texts].reverse());
      for (let i = 0; i < texts.length; i++) {
        const alone = await e().embed([texts[i]]);
        expect(maxAbsDiff(alone, row(together, i, dim)), `text ${i} alone vs batch`).toBeLessThanOrEqual(tol);
        expect(maxAbsDiff(row(again, texts.length - 1 - i, dim), row(together, i, dim)), `text ${i} in another order`).toBeLessThanOrEqual(tol);
      }
    }, timeout);

    it('rows have L2 norm 1', async (ctx) => {
      skipUnless(ctx, options.normalized === true, 'the embedder does not claim L2-normalised rows (options.normalized)');
      const { dim } = e();
      const m = await e().embed(texts);
      for (let i = 0; i < texts.length; i++) expect(Math.abs(l2(m, i * dim, dim) - 1), `norm of row ${i}`).toBeLessThan(1e-3);
    }, timeout);

    it('similar sentences are closer than unrelated ones', async (ctx) => {
      skipUnless(ctx, options.semantic === true, 'the embedder does not claim semantic similarity (options.semantic)');
      const { dim } = e();
      const m = await e().embed(['a small cat sat on the mat', 'a little kitten slept on the rug', 'the company reported higher profits this year']);
      const close = cosine(row(m, 0, dim), row(m, 1, dim));
      const far = cosine(row(m, 0, dim), row(m, 2, dim));
      expect(close, `cos(cat, kitten) ${close.toFixed(3)} vs cos(cat, profits) ${far.toFixed(3)}`).toBeGreaterThan(far);
    }, timeout);

    it('an empty or very long text gives a finite row or a typed SelfjError, never a crash', async () => {
      const { dim } = e();
      for (const [what, text] of [['empty text', ''], ['100k-character text', 'word '.repeat(20_000)]] as const) {
        let m: Float32Array | undefined;
        try {
          m = await e().embed([text]);
        } catch (err) {
          expectSelfjError(err, ['BAD_INPUT', 'PROMPT_TOO_LONG', 'BAD_RECORD'], what);
          continue;
        }
        expect(m.length, what).toBe(dim);
        expect(m.every(Number.isFinite), what).toBe(true);
      }
      expect((await e().embed([texts[0]])).length, 'still works').toBe(dim);
    }, timeout);

    it('an already-aborted signal rejects with SelfjError ABORTED', async () => {
      const err = await thrown(() => e().embed(texts, { signal: AbortSignal.abort() }));
      expectSelfjError(err, 'ABORTED', 'embed');
    }, timeout);

    it('close() is idempotent', async (ctx) => {
      skipUnless(ctx, typeof e().close === 'function', 'the embedder has no close() (optional in the contract)');
      await e().close!();
      await e().close!();
    }, timeout);
  });
}
