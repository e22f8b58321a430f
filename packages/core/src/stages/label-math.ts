/** The formulas of the label and training steps (SELFJ-METHOD.md steps 3, 5 and 6), in plain numbers. */
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

/** z = clip(w1 z1 + w2 floor(z2) + bias); with normalize, parts are z-scored and mapped back to the label scale. */
export function combine(z1: number, z2: number, c: CombineConfig = DEFAULT_COMBINE, stats?: PartStats): number {
  const f2 = floorZ2(z2, c);
  if (!c.normalize) return clip(c.w1 * z1 + c.w2 * f2 + c.bias, c);
  if (!stats) throw new SelfjError('INTERNAL', 'combine: normalize needs part statistics.');
  const u1 = stats.std1 > 0 ? (z1 - stats.mean1) / stats.std1 : 0;
  const u2 = stats.std2 > 0 ? (f2 - stats.mean2) / stats.std2 : 0;
  const wsum = Math.abs(c.w1) + Math.abs(c.w2) || 1;
  const u = (c.w1 * u1 + c.w2 * u2) / wsum;
  return clip(stats.meanZ + c.bias + u * stats.stdZ, c);
}

/** Streaming accumulator of the part statistics for normalised labels. */
export class PartStatsAccumulator {
  private n = 0;
  private s = [0, 0, 0];
  private ss = [0, 0, 0];
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
  }
  stats(): PartStats {
    const m = this.s.map((x) => (this.n ? x / this.n : 0));
    const sd = this.ss.map((x, i) => (this.n > 1 ? Math.sqrt(Math.max(0, x / this.n - m[i] * m[i])) : 0));
    return { mean1: m[0], std1: sd[0], mean2: m[1], std2: sd[1], meanZ: m[2], stdZ: sd[2] };
  }
}

/** Log of a digit distribution as a head offset; a zero probability becomes log(1e-30), not -Infinity. */
export function logOffset(probs: ArrayLike<number>, out: Float32Array = new Float32Array(BINS), offset = 0): Float32Array {
  let mass = 0;
  for (let k = 0; k < BINS; k++) mass += probs[k] ?? 0;
  for (let k = 0; k < BINS; k++) out[offset + k] = Math.log(Math.max((probs[k] ?? 0) / (mass || 1), 1e-30));
  return out;
}
