/**
 * Row-wise cosine through @selfj/native (SIMD/CUDA), loaded lazily so this plugin works before the addon is built;
 * a plain loop with the same semantics (zero-norm row -> 0) stands in when the module is unavailable.
 */
type CosineRows = (a: Float32Array, b: Float32Array, dim: number, out?: Float32Array) => Float32Array;

let cached: Promise<CosineRows> | undefined;

export function fallbackCosineRows(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const n = a.length / dim;
  const res = out ?? new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let d = i * dim, end = d + dim; d < end; d++) {
      dot += a[d] * b[d];
      na += a[d] * a[d];
      nb += b[d] * b[d];
    }
    res[i] = na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
  }
  return res;
}

export function loadCosineRows(): Promise<CosineRows> {
  cached ??= import('@selfj/native')
    .then((m: Record<string, unknown>) => (typeof m.cosineRows === 'function' ? (m.cosineRows as CosineRows) : fallbackCosineRows))
    .catch(() => fallbackCosineRows);
  return cached;
}
