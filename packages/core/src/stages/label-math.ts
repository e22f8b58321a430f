/** The formulas of the label and training steps (docs/method.md §3, §5 and §6), in plain numbers. */
import { DEFAULT_CONFIG, type LabelConfig } from '../config/index.js';
import { SelfjError } from '../errors.js';

export const BINS = 10;

/**
 * Two-hot soft target: z in [0, 9] spread over its two neighbouring bins so that sum_k k * t_k == z exactly.
 * z = 6.3 -> t[6] = 0.7, t[7] = 0.3.
 */
export function twoHot(z: number, bins = BINS, out: Float32Array = new Float32Array(bins), offset = 0): Float32Array {
  if (!Number.isFinite(z)) throw new SelfjError('BAD_INPUT', `Label ${z} is not a finite number.`);
  const zc = Math.min(bins - 1, Math.max(0, z));
  const lo = Math.min(bins - 2, Math.floor(zc));
  const frac = zc - lo;
  for (let k = 0; k < bins; k++) out[offset + k] = 0;
  out[offset + lo] = 1 - frac;
  out[offset + lo + 1] = frac;
  return out;
}

/** The label settings (config section "label"): z = clip(w1 z1 + w2 max(z2, z2Floor) + bias), optionally on z-normalised parts. */
export type CombineConfig = LabelConfig;

/** Method default: z = (z1 + 9 * max(z2, 0)) / 2, clipped to [0, 9]. */
export const DEFAULT_COMBINE: CombineConfig = DEFAULT_CONFIG.label;

export interface PartStats {
  mean1: number;
  std1: number;
  mean2: number;
  std2: number;
  /** Correlation of z1 and floor(z2) over the data set (0 when either is constant). */
  corr12: number;
  /** Mean and std of the un-normalised combination: the scale normalised labels are mapped back to. */
  meanZ: number;
  stdZ: number;
}

function floorZ2(z2: number, c: CombineConfig): number {
  return c.z2Floor === null ? z2 : Math.max(z2, c.z2Floor);
}

function clip(x: number, c: CombineConfig): number {
  return Math.min(c.clip[1], Math.max(c.clip[0], x));
}

/** Nominal ranges of the parts: z1 spans the digits 0..9, floor(z2) spans [floor, 1] (a cosine, [-1, 1] without floor). */
export function partRanges(c: CombineConfig): [number, number] {
  const lo = c.z2Floor === null ? -1 : Math.min(1, Math.max(-1, c.z2Floor));
  return [9, 1 - lo];
}

/**
 * The shares of z1 and z2 in a normalised label. The weights are written for the raw scale (w2 = 4.5 puts a cosine
 * in [0, 1] on the digit scale 0..9), so on standardised parts each weight is multiplied by its part's nominal
 * range: a_i = w_i R_i / (|w1 R1| + |w2 R2|). The defaults (0.5, 4.5) give z1 and z2 equal shares, as intended.
 */
export function normalizedShares(c: CombineConfig): [number, number] {
  const [r1, r2] = partRanges(c);
  const a1 = c.w1 * r1;
  const a2 = c.w2 * r2;
  const sum = Math.abs(a1) + Math.abs(a2) || 1;
  return [a1 / sum, a2 / sum];
}

/**
 * z = clip(w1 z1 + w2 floor(z2) + bias). With normalize, each part is z-scored over the data set (u_i), the parts
 * are combined with their shares on that common scale (normalizedShares), the sum is standardised again and mapped
 * back to the mean and spread of the raw combination:
 *   z = clip(meanZ + bias + stdZ * (a1 u1 + a2 u2) / sd(a1 u1 + a2 u2)).
 */
export function combine(z1: number, z2: number, c: CombineConfig = DEFAULT_COMBINE, stats?: PartStats): number {
  const f2 = floorZ2(z2, c);
  if (!c.normalize) return clip(c.w1 * z1 + c.w2 * f2 + c.bias, c);
  if (!stats) throw new SelfjError('INTERNAL', 'combine: normalize needs part statistics.');
  const u1 = stats.std1 > 0 ? (z1 - stats.mean1) / stats.std1 : 0;
  const u2 = stats.std2 > 0 ? (f2 - stats.mean2) / stats.std2 : 0;
  const [a1, a2] = normalizedShares(c);
  const v1 = stats.std1 > 0 ? a1 : 0;
  const v2 = stats.std2 > 0 ? a2 : 0;
  const sd = Math.sqrt(Math.max(0, v1 * v1 + v2 * v2 + 2 * v1 * v2 * stats.corr12));
  const u = sd > 0 ? (a1 * u1 + a2 * u2) / sd : 0;
  return clip(stats.meanZ + c.bias + u * stats.stdZ, c);
}

/** Streaming accumulator of the part statistics for normalised labels. */
export class PartStatsAccumulator {
  private n = 0;
  private s = [0, 0, 0];
  private ss = [0, 0, 0];
  private s12 = 0;
  constructor(private readonly c: CombineConfig) {}
  add(z1: number, z2: number): void {
    const f2 = floorZ2(z2, this.c);
    const zc = this.c.w1 * z1 + this.c.w2 * f2;
    const parts = [z1, f2, zc];
    this.n++;
    for (let i = 0; i < 3; i++) {
      this.s[i] += parts[i];
      this.ss[i] += parts[i] * parts[i];
    }
    this.s12 += z1 * f2;
  }
  stats(): PartStats {
    const m = this.s.map((x) => (this.n ? x / this.n : 0));
    const sd = this.ss.map((x, i) => (this.n > 1 ? Math.sqrt(Math.max(0, x / this.n - m[i] * m[i])) : 0));
    const cov = this.n > 1 ? this.s12 / this.n - m[0] * m[1] : 0;
    const corr12 = sd[0] > 0 && sd[1] > 0 ? Math.max(-1, Math.min(1, cov / (sd[0] * sd[1]))) : 0;
    return { mean1: m[0], std1: sd[0], mean2: m[1], std2: sd[1], corr12, meanZ: m[2], stdZ: sd[2] };
  }
}

/** Log of a digit distribution as a head offset; a zero probability becomes log(1e-30), not -Infinity. */
export function logOffset(probs: ArrayLike<number>, out: Float32Array = new Float32Array(BINS), offset = 0): Float32Array {
  let mass = 0;
  for (let k = 0; k < BINS; k++) mass += probs[k] ?? 0;
  for (let k = 0; k < BINS; k++) out[offset + k] = Math.log(Math.max((probs[k] ?? 0) / (mass || 1), 1e-30));
  return out;
}
