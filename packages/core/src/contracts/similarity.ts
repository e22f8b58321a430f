/**
 * Similarity: how close an answer is to its reference (the label's z2). The built-in one embeds both texts and
 * takes the cosine; a plugin may score pairs any other way (a cross-encoder, BERTScore, exact match).
 */
export interface SimilarityPair {
  response: string;
  reference: string;
}

export interface Similarity {
  readonly id: string;
  /** Everything that changes the numbers (embedder id and dimension): goes into artifact config hashes. */
  fingerprint(): Promise<Record<string, unknown>>;
  /** One value per pair in [-1, 1] (cosine-like), or the Error that pair alone caused. */
  score(pairs: SimilarityPair[], options?: { signal?: AbortSignal }): Promise<(number | Error)[]>;
  close?(): Promise<void>;
}
