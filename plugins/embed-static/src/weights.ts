/**
 * Word weights for pooling. "zipf" needs no corpus: the table is frequency-ordered, so row r has an estimated
 * unigram probability p_r = 1 / ((r + 1) * H_N) (Zipf's law, H_N the N-th harmonic number), and the weight is the
 * SIF weight a / (a + p_r) (Arora et al. 2017): frequent function words count little, content words about 1.
 * "idf" is fitted on a corpus the user provides: idf = ln((1 + docs) / (1 + df)) + 1 (smoothed, as scikit-learn).
 */
import { forEachToken, resolveToken } from './tokenize.js';

export function zipfWeights(n: number, a = 1e-3): Float32Array {
  let h = 0;
  for (let r = 1; r <= n; r++) h += 1 / r;
  const w = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const p = 1 / ((r + 1) * h);
    w[r] = a / (a + p);
  }
  return w;
}

/** IDF per table row from a corpus of documents; rows never seen get the largest idf (as rare as possible). */
export function idfWeights(
  corpus: Iterable<string>,
  n: number,
  lookup: (w: string) => number,
  punctuation = false,
): Float32Array {
  const df = new Uint32Array(n);
  const seenAt = new Int32Array(n).fill(-1);
  let docs = 0;
  for (const doc of corpus) {
    const d = docs++;
    forEachToken(doc, punctuation, (t) => {
      resolveToken(t, lookup, (row) => {
        if (seenAt[row] !== d) {
          seenAt[row] = d;
          df[row]++;
        }
      });
    });
  }
  const w = new Float32Array(n);
  for (let r = 0; r < n; r++) w[r] = Math.log((1 + docs) / (1 + df[r])) + 1;
  return w;
}
