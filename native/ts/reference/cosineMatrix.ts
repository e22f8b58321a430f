/**
 * Reference all-pairs cosine: out[i*nb + j] = cos(a_i, b_j), 0 when either row has zero norm.
 * Plain TS, float64 accumulation; no validation (the public wrappers validate first).
 */
function rowNorms(x: Float32Array, n: number, dim: number): Float64Array {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = i * dim, e = d + dim; d < e; d++) s += x[d] * x[d];
    norms[i] = Math.sqrt(s);
  }
  return norms;
}

export function cosineMatrixRef(a: Float32Array, b: Float32Array, dim: number, out: Float32Array): Float32Array {
  const na = a.length / dim;
  const nb = b.length / dim;
  const normA = rowNorms(a, na, dim);
  const normB = rowNorms(b, nb, dim);
  for (let i = 0; i < na; i++) {
    const oa = i * dim;
    for (let j = 0; j < nb; j++) {
      const ob = j * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += a[oa + d] * b[ob + d];
      const den = normA[i] * normB[j];
      out[i * nb + j] = normA[i] === 0 || normB[j] === 0 ? 0 : dot / den;
    }
  }
  return out;
}
