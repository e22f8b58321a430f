/** Helpers the figures share: sizes, curve thinning, seeded sampling, fixed-width binning, number formatting. */
import { rng } from '@selfj/core/infra';
import type { RiskCoveragePoint } from '@selfj/core/metrics';

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
export const WIDTH = 560;
export const HEIGHT = 300;
/** Risk-coverage curves keep at most this many of the metric's exact points (the first, the last, and one per step). */
export const CURVE_MAX_POINTS = 400;
/** The scatter draws at most this many items (a seeded uniform sample); statistics always use every item. */
export const SCATTER_MAX_POINTS = 2000;

/** Shortens a curve for drawing: keeps the metric's own points, the first one past each 1/max of coverage. */
export function thinCurve(points: RiskCoveragePoint[], max = CURVE_MAX_POINTS): RiskCoveragePoint[] {
  if (points.length <= max) return points;
  const kept: RiskCoveragePoint[] = [points[0]];
  let next = 1 / max;
  for (let i = 1; i < points.length - 1; i++) {
    if (points[i].coverage >= next) {
      kept.push(points[i]);
      while (next <= points[i].coverage) next += 1 / max;
    }
  }
  kept.push(points[points.length - 1]);
  return kept;
}


/** `k` distinct indices of 0..n-1 drawn uniformly (partial Fisher-Yates), ascending. All of them when n <= k. */
export function sampleIndices(n: number, k: number, seed = 0): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  const rand = rng(seed);
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return Array.from(idx.subarray(0, k)).sort((a, b) => a - b);
}

export interface Bin {
  lo: number;
  hi: number;
  count: number;
}

/** Counts of `values` in `bins` equal bins over [lo, hi]; the last bin is closed. */
export function binCounts(values: ArrayLike<number>, lo: number, hi: number, bins: number): Bin[] {
  const width = (hi - lo) / bins;
  const out: Bin[] = Array.from({ length: bins }, (_, b) => ({ lo: lo + b * width, hi: lo + (b + 1) * width, count: 0 }));
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((values[i] - lo) / width)));
    out[b].count++;
  }
  return out;
}

/** The score axis: the digit scale [0, 9] when every score is on it, else the scores' own range. */
export function scoreRange(scores: ArrayLike<number>): { lo: number; hi: number; digitScale: boolean } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    lo = Math.min(lo, scores[i]);
    hi = Math.max(hi, scores[i]);
  }
  if (lo >= 0 && hi <= 9) return { lo: 0, hi: 9, digitScale: true };
  if (hi === lo) return { lo: lo - 0.5, hi: hi + 0.5, digitScale: false };
  return { lo, hi, digitScale: false };
}

/** A number for a sentence or a table: fixed decimals, "n/a" for a missing or undefined value. */
export function fmt(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a';
  return x.toFixed(digits);
}

export const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** A loss of 1 for a bad answer (grade below badBelow), else 0: the risk the calibration controls. */
export function badLoss(grades: ArrayLike<number>, badBelow: number): Float64Array {
  return Float64Array.from({ length: grades.length }, (_, i) => (grades[i] < badBelow ? 1 : 0));
}

/**
 * Quantitative x/y encodings with a title, the shape every figure uses. Every layer of a chart gives a shared axis
 * the same title (Vega-Lite would otherwise stack the different titles into a multi-line one).
 */
export function q(field: string, title: string, extra: Record<string, unknown> = {}) {
  return { field, type: 'quantitative' as const, title, ...extra };
}
