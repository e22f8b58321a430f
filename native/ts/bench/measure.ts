/** Timing helpers for the benchmark: warm-up, then the median of repetitions within a time budget. */
import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Median milliseconds per call. */
  ms: number;
  reps: number;
}

/** One warm-up call, then at least minReps timed calls, more while under budgetMs (at most maxReps). */
export function timeIt(fn: () => unknown, { minReps = 5, maxReps = 15, budgetMs = 1500 } = {}): Timing {
  fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minReps || (times.length < maxReps && performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const ms = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  return { ms, reps: times.length };
}

/** Fast deterministic uniform fill in [-scale, scale) (Math.random is slow for 100M values). */
export function fillRandom(x: Float32Array, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return x;
}

export const fmt = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v >= 100 ? v.toFixed(0) : v.toFixed(digits);
