/** Peer implementations measured on the same data: simsimd (per-pair cosine) and numpy/OpenBLAS sgemm. */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Data, Measurement } from './cases.js';
import { cost } from './cases.js';
import { timeIt } from './measure.js';

export interface PeerResult {
  name: string;
  kernel: 'cosineRows' | 'cosineMatrix';
  measurement: Measurement | null;
  note: string;
}

/** simsimd has no batched JS call: one cosine() per pair, and it returns the distance 1 - cos. */
export function simsimdCosineRows(d: Data, check: Float32Array | null): PeerResult {
  let simsimd: { cosine(a: Float32Array, b: Float32Array): number };
  try {
    // The CJS entry finds its prebuilt binary; the ESM entry falls back to JS in this layout.
    simsimd = createRequire(import.meta.url)('simsimd');
  } catch (e) {
    return { name: 'simsimd', kernel: 'cosineRows', measurement: null, note: `not installed: ${(e as Error).message.split('\n')[0]}` };
  }
  const { n, dim } = d.shapes.rows;
  const aRows = Array.from({ length: n }, (_, i) => d.a.subarray(i * dim, (i + 1) * dim));
  const bRows = Array.from({ length: n }, (_, i) => d.b.subarray(i * dim, (i + 1) * dim));
  const out = new Float32Array(n);
  const t = timeIt(() => {
    for (let i = 0; i < n; i++) out[i] = 1 - simsimd.cosine(aRows[i], bRows[i]);
  });
  let maxDiff = 0;
  if (check) for (let i = 0; i < n; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i] - check[i]));
  const { bytes, flops } = cost('cosineRows', d.shapes);
  return {
    name: 'simsimd 6 (one call per pair)',
    kernel: 'cosineRows',
    measurement: { kernel: 'cosineRows', backend: 'simsimd', ms: t.ms, medianMs: t.medianMs, maxMs: t.maxMs, reps: t.reps, bytes, flops,
      gbps: bytes / t.ms / 1e6, gflops: flops / t.ms / 1e6 },
    note: check ? `max |diff| vs addon ${maxDiff.toExponential(1)}` : '',
  };
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
na, nb, dim = map(int, sys.argv[1:4])
rng = np.random.default_rng(0)
a = rng.standard_normal((na, dim), dtype=np.float32)
b = rng.standard_normal((nb, dim), dtype=np.float32)
c = np.empty((na, nb), dtype=np.float32)
np.matmul(a, b.T, out=c)
ts = []
for _ in range(int(sys.argv[4])):
    t0 = time.perf_counter(); np.matmul(a, b.T, out=c); ts.append(time.perf_counter() - t0)
ts.sort()
try:
    cfg = np.show_config(mode='dicts')['Build Dependencies']['blas']['name']
except Exception:
    cfg = 'blas'
print(json.dumps({'ms': ts[0] * 1e3, 'medianMs': ts[len(ts) // 2] * 1e3, 'maxMs': ts[-1] * 1e3, 'reps': len(ts), 'numpy': np.__version__, 'blas': cfg}))
`;

/**
 * numpy's a @ b.T (sgemm through its BLAS, OpenBLAS in wheels) in a child python3, best of `reps` calls; null when
 * unavailable. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed for this child only: some machines set them for old
 * OpenBLAS builds, and they pin a current one to slower kernels.
 */
export function numpyMatrix(d: Data, reps = 9): PeerResult {
  const { na, nb, dim } = d.shapes.matrix;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('python3', ['-c', NUMPY_SCRIPT, String(na), String(nb), String(dim), String(reps)],
    { encoding: 'utf8', timeout: 300_000, env });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop();
    return { name: 'numpy', kernel: 'cosineMatrix', measurement: null, note: `n/a (${why})` };
  }
  const j = JSON.parse(r.stdout.trim().split('\n').pop() as string) as
    { ms: number; medianMs: number; maxMs: number; reps: number; numpy: string; blas: string };
  const { bytes, flops } = cost('cosineMatrix', d.shapes);
  return {
    name: `numpy ${j.numpy} a@b.T (${j.blas} sgemm)`,
    kernel: 'cosineMatrix',
    measurement: { kernel: 'cosineMatrix', backend: 'numpy', ms: j.ms, medianMs: j.medianMs, maxMs: j.maxMs, reps: j.reps, bytes, flops,
      gbps: bytes / j.ms / 1e6, gflops: flops / j.ms / 1e6 },
    note: 'matmul only (no normalisation); OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for this child',
  };
}
