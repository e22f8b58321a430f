/**
 * The similarity baseline: cosine similarity of the response to the reference answer, through any Similarity (the
 * built-in one embeds both texts with an embedder, the static word vectors by default). It needs a reference: an
 * item without one is rejected alone.
 */
import { SelfjError, type Judge, type JudgeItem, type JudgeScore, type Similarity } from '@selfj/core';

export class SimilarityJudge implements Judge {
  readonly id: string;
  readonly scale = { min: -1, max: 1 };
  readonly usesReference = true;

  constructor(readonly similarity: Similarity) {
    this.id = `similarity:${similarity.id}`;
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { judge: 'similarity', similarity: await this.similarity.fingerprint() };
  }

  async score(items: JudgeItem[], options: { signal?: AbortSignal } = {}): Promise<(JudgeScore | Error)[]> {
    const out: (JudgeScore | Error)[] = new Array(items.length);
    const idx: number[] = [];
    items.forEach((it, i) => {
      if (it.reference) idx.push(i);
      else out[i] = new SelfjError('BAD_RECORD', 'The similarity judge needs a reference answer and this item has none.', { solutions: ['Give items a reference, or use a reference-free judge.'] });
    });
    if (idx.length) {
      const sims = await this.similarity.score(idx.map((i) => ({ response: items[i].response, reference: items[i].reference! })), options);
      idx.forEach((i, k) => {
        const s = sims[k];
        out[i] = s instanceof Error ? s : { score: s };
      });
    }
    return out;
  }

  close(): Promise<void> {
    return this.similarity.close?.() ?? Promise.resolve();
  }
}
