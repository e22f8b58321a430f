/**
 * Reference row-wise cosine: out[i] = <a_i, b_i> / (|a_i| |b_i|), 0 when either row has zero norm.
 * Plain TS, float64 accumulation; no validation (the public wrappers validate first).
 */
export function cosineRowsRef(a: Float32Array, b: Float32Array, dim: number, out: Float32Array): Float32Array {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = 0; d < dim; d++) {
      const x = a[o + d];
      const y = b[o + d];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    out[i] = na === 0 || nb === 0 ? 0 : dot / (Math.sqrt(na) * Math.sqrt(nb));
  }
  return out;
}
