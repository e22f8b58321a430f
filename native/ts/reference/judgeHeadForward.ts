/**
 * Reference judge-head forward pass:
 *   logits[i,k] = offset[i,k] + sum_d h[i,d] w[k,d] + bias[k];  probs = softmax_k(logits);  scores[i] = sum_k k probs[i,k].
 * Plain TS, float64 arithmetic; no validation (the public wrappers validate first).
 */
type Vec = ArrayLike<number>;

/** Writes log-softmax of logits[i, 0..bins) into logp (float64) for one row; shared with the train step. */
export function rowLogSoftmax(
  h: Float32Array,
  row: number,
  w: Vec,
  bias: Vec,
  offset: Float32Array | null | undefined,
  dim: number,
  bins: number,
  logp: Float64Array,
): void {
  const oh = row * dim;
  let max = -Infinity;
  for (let k = 0; k < bins; k++) {
    const ow = k * dim;
    let z = bias[k] + (offset ? offset[row * bins + k] : 0);
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += h[oh + d] * w[ow + d];
    z += dot;
    logp[k] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let k = 0; k < bins; k++) sum += Math.exp(logp[k] - max);
  // (z - max) - log(sum), never z - (max + log(sum)): with |max| ~ 1e30 the log(sum) would be absorbed.
  const logSum = Math.log(sum);
  for (let k = 0; k < bins; k++) logp[k] = logp[k] - max - logSum;
}

export function judgeHeadForwardRef(
  h: Float32Array,
  w: Vec,
  bias: Vec,
  offset: Float32Array | null | undefined,
  dim: number,
  bins: number,
  probs: Float32Array,
  scores: Float32Array,
): void {
  const n = scores.length;
  const logp = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    rowLogSoftmax(h, i, w, bias, offset, dim, bins, logp);
    let s = 0;
    for (let k = 0; k < bins; k++) {
      const p = Math.exp(logp[k]);
      probs[i * bins + k] = p;
      s += k * p;
    }
    scores[i] = s;
  }
}
