/** The built-in Similarity: embed the response and the reference, take the cosine (native row-wise kernel). */
import type { Embedder } from '../contracts/backend.js';
import type { Similarity, SimilarityPair } from '../contracts/similarity.js';
import { kernels } from '../infra/kernels.js';
import { backendLimiter, type Semaphore } from '../infra/limiter.js';

export class EmbedderSimilarity implements Similarity {
  readonly id: string;
  private readonly limiter: Semaphore;

  constructor(
    readonly embedder: Embedder,
    concurrency = 1,
  ) {
    this.id = `embedder:${embedder.id}`;
    this.limiter = backendLimiter(`embed:${embedder.id}`, concurrency);
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { embedder: this.embedder.id, dim: this.embedder.dim };
  }

  async score(pairs: SimilarityPair[], options: { signal?: AbortSignal } = {}): Promise<number[]> {
    const k = await kernels();
    const dim = this.embedder.dim;
    const n = pairs.length;
    // One embed call for the whole batch: rows [0, n) responses, [n, 2n) references.
    const texts = [...pairs.map((p) => p.response), ...pairs.map((p) => p.reference)];
    const emb = await this.limiter.run(() => this.embedder.embed(texts, { signal: options.signal }));
    return Array.from(k.cosineRows(emb.subarray(0, n * dim), emb.subarray(n * dim, 2 * n * dim), dim));
  }

  close(): Promise<void> {
    return this.embedder.close?.() ?? Promise.resolve();
  }
}
