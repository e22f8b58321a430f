/** Timing helpers for the benchmark: warm-up, then repetitions within a time budget (fastest, median, slowest). */
import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Fastest call (ms). */
  ms: number;
  medianMs: number;
  maxMs: number;
  reps: number;
}

function summarise(times: number[]): Timing {
  const t = [...times].sort((a, b) => a - b);
  const mid = t.length >> 1;
  return { ms: t[0], medianMs: t.length % 2 ? t[mid] : (t[mid - 1] + t[mid]) / 2, maxMs: t[t.length - 1], reps: t.length };
}

/** One warm-up call, then at least minReps timed calls, more while under budgetMs (at most maxReps). */
export function timeIt(fn: () => unknown, { minReps = 5, maxReps = 15, budgetMs = 1500 } = {}): Timing {
  return timeInterleaved([{ before: () => undefined, call: fn }], { minReps, maxReps, budgetMs })[0];
}

/**
 * Side by side: every candidate once per round (before() switches to it, untimed), one warm-up round, then rounds
 * until minReps, continuing while under budgetMs (at most maxReps). A burst of load from other processes then
 * slows every candidate alike instead of one of them.
 */
export function timeInterleaved(cands: { before: () => void; call: () => unknown }[],
  { minReps = 5, maxReps = 15, budgetMs = 1500 } = {}): Timing[] {
  for (const c of cands) { c.before(); c.call(); }
  const times: number[][] = cands.map(() => []);
  const start = performance.now();
  while (times[0].length < minReps || (times[0].length < maxReps && performance.now() - start < budgetMs)) {
    cands.forEach((c, i) => {
      c.before();
      const t0 = performance.now();
      c.call();
      times[i].push(performance.now() - t0);
    });
  }
  return times.map(summarise);
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
