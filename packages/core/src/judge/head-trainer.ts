/**
 * The built-in head trainer (docs/method.md §6): a 10-bin head over frozen,
 * standardised features, logits = offset + W h + b, W = 0 at the start so the untrained judge is the model's own
 * zero-shot self-evaluation. Loss CE_t + a CE_s + b KL(t||s) on two-hot targets, AdamW with linear warm-up,
 * minibatches over a seeded shuffle, a validation split with early stopping (best weights kept).
 */
import { SelfjError } from '../errors.js';
import { pearson } from '../stats/correlation.js';
import type { TrainConfig } from '../config/index.js';
import { rng } from '../infra/hash.js';
import { kernels, type NativeKernels } from '../infra/kernels.js';
import { BINS, twoHot } from '../stages/label-math.js';

export interface TrainData {
  /** [n*dim] teacher-view (with reference) and student-view features. */
  hTeacher: Float32Array;
  hStudent: Float32Array;
  /** [n*bins] zero-shot digit log-probabilities of each view. */
  offTeacher: Float32Array;
  offStudent: Float32Array;
  /** [n] labels in [0, 9]. */
  z: Float32Array;
  dim: number;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  valPearson?: number;
}

export interface HeadWeights {
  w: Float32Array;
  bias: Float32Array;
  /** Per-dimension standardisation applied to features before the head. */
  mean: Float32Array;
  std: Float32Array;
  dim: number;
  bins: number;
}

export interface TrainResult {
  weights: HeadWeights;
  history: EpochStats[];
  initial: { trainLoss: number; valLoss?: number; valPearson?: number };
  best: EpochStats;
  trainItems: number;
  valItems: number;
  steps: number;
}

/** Mean and std per dimension over the given rows of both views (std floored so flat dims stay finite). */
export function featureStats(d: TrainData, rows: number[]): { mean: Float32Array; std: Float32Array } {
  const { dim } = d;
  const s = new Float64Array(dim);
  const ss = new Float64Array(dim);
  for (const h of [d.hTeacher, d.hStudent]) {
    for (const r of rows) {
      for (let j = 0; j < dim; j++) {
        const x = h[r * dim + j];
        s[j] += x;
        ss[j] += x * x;
      }
    }
  }
  const n = 2 * rows.length || 1;
  const mean = new Float32Array(dim);
  const std = new Float32Array(dim);
  for (let j = 0; j < dim; j++) {
    mean[j] = s[j] / n;
    const v = Math.max(0, ss[j] / n - (s[j] / n) ** 2);
    std[j] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  return { mean, std };
}

export function standardize(h: Float32Array, dim: number, mean: Float32Array, std: Float32Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = (h[i] - mean[i % dim]) / std[i % dim];
  return out;
}

function gather(src: Float32Array, rows: number[], width: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows.length; i++) out.set(src.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  return out;
}

/** Mean loss (same formula as the train step) and student Pearson on some rows, without updating anything. */
export function evaluateHead(
  k: NativeKernels,
  d: TrainData & { targets: Float32Array },
  rows: number[],
  wts: { w: Float32Array; bias: Float32Array },
  cfg: Pick<TrainConfig, 'studentWeight' | 'klWeight'>,
): { loss: number; pearson: number } {
  const { dim } = d;
  const hT = gather(d.hTeacher, rows, dim, new Float32Array(rows.length * dim));
  const hS = gather(d.hStudent, rows, dim, new Float32Array(rows.length * dim));
  const oT = gather(d.offTeacher, rows, BINS, new Float32Array(rows.length * BINS));
  const oS = gather(d.offStudent, rows, BINS, new Float32Array(rows.length * BINS));
  const pT = k.judgeHeadForward({ h: hT, w: wts.w, bias: wts.bias, offset: oT, dim, bins: BINS });
  const pS = k.judgeHeadForward({ h: hS, w: wts.w, bias: wts.bias, offset: oS, dim, bins: BINS });
  let total = 0;
  const eps = 1e-30;
  for (let i = 0; i < rows.length; i++) {
    let ceT = 0;
    let ceS = 0;
    let kl = 0;
    for (let b = 0; b < BINS; b++) {
      const y = d.targets[rows[i] * BINS + b];
      const t = pT.probs[i * BINS + b];
      const s = pS.probs[i * BINS + b];
      ceT -= y * Math.log(t + eps);
      ceS -= y * Math.log(s + eps);
      kl += t * (Math.log(t + eps) - Math.log(s + eps));
    }
    total += ceT + cfg.studentWeight * ceS + cfg.klWeight * kl;
  }
  const z = rows.map((r) => d.z[r]);
  const pr = rows.length > 2 ? safePearson(Array.from(pS.scores), z) : NaN;
  return { loss: total / Math.max(1, rows.length), pearson: pr };
}

function safePearson(x: number[], y: number[]): number {
  try {
    return pearson(x, y);
  } catch {
    return NaN;
  }
}

/** Deterministic split: a seeded shuffle, the first valSplit share held out. */
export function splitRows(n: number, valSplit: number, seed: number): { train: number[]; val: number[] } {
  const idx = shuffled(n, rng(seed ^ 0x5eed));
  const nVal = n >= 5 ? Math.min(n - 2, Math.round(n * valSplit)) : 0;
  return { val: idx.slice(0, nVal).sort((a, b) => a - b), train: idx.slice(nVal).sort((a, b) => a - b) };
}

function shuffled(n: number, rand: () => number, from?: number[]): number[] {
  const a = from ? [...from] : Array.from({ length: n }, (_, i) => i);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export async function trainHead(data: TrainData, cfg: TrainConfig, seed: number, onEpoch?: (e: EpochStats) => void): Promise<TrainResult> {
  const n = data.z.length;
  const { dim } = data;
  if (n < 2) throw new SelfjError('BAD_INPUT', `Training needs at least 2 labelled items, got ${n}.`, { solutions: ['Label more data'] });
  const k = await kernels();
  const { train, val } = splitRows(n, cfg.valSplit, seed);
  const { mean, std } = featureStats(data, train);
  const targets = new Float32Array(n * BINS);
  for (let i = 0; i < n; i++) twoHot(data.z[i], BINS, targets, i * BINS);
  const d = {
    ...data,
    hTeacher: standardize(data.hTeacher, dim, mean, std),
    hStudent: standardize(data.hStudent, dim, mean, std),
    targets,
  };
  const w = new Float32Array(BINS * dim); // W = 0: the untrained judge is the zero-shot self-evaluation
  const bias = new Float32Array(BINS);
  const state = k.createAdamWState(dim, BINS);
  const evalCfg = { studentWeight: cfg.studentWeight, klWeight: cfg.klWeight };
  const e0t = evaluateHead(k, d, train, { w, bias }, evalCfg);
  const e0v = val.length ? evaluateHead(k, d, val, { w, bias }, evalCfg) : undefined;
  const initial = { trainLoss: e0t.loss, valLoss: e0v?.loss, valPearson: e0v?.pearson };

  const bs = Math.max(1, Math.min(cfg.batchSize, train.length));
  const bufs = {
    hT: new Float32Array(bs * dim),
    hS: new Float32Array(bs * dim),
    oT: new Float32Array(bs * BINS),
    oS: new Float32Array(bs * BINS),
    y: new Float32Array(bs * BINS),
  };
  const rand = rng(seed);
  const history: EpochStats[] = [];
  let best: EpochStats = { epoch: 0, trainLoss: initial.trainLoss, valLoss: initial.valLoss, valPearson: initial.valPearson };
  let bestW = w.slice();
  let bestB = bias.slice();
  let sinceBest = 0;
  let steps = 0;
  for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
    const order = shuffled(train.length, rand, train);
    let lossSum = 0;
    let count = 0;
    for (let s = 0; s < order.length; s += bs) {
      const rows = order.slice(s, s + bs);
      const m = rows.length;
      const lr = cfg.warmupSteps > 0 && steps < cfg.warmupSteps ? (cfg.lr * (steps + 1)) / cfg.warmupSteps : cfg.lr;
      const r = k.judgeHeadTrainStep({
        hTeacher: gather(d.hTeacher, rows, dim, bufs.hT).subarray(0, m * dim),
        hStudent: gather(d.hStudent, rows, dim, bufs.hS).subarray(0, m * dim),
        offsetTeacher: gather(d.offTeacher, rows, BINS, bufs.oT).subarray(0, m * BINS),
        offsetStudent: gather(d.offStudent, rows, BINS, bufs.oS).subarray(0, m * BINS),
        targets: gather(d.targets, rows, BINS, bufs.y).subarray(0, m * BINS),
        w,
        bias,
        dim,
        bins: BINS,
        state,
        lr,
        weightDecay: cfg.weightDecay,
        studentWeight: cfg.studentWeight,
        klWeight: cfg.klWeight,
      });
      steps++;
      lossSum += r.loss * m;
      count += m;
    }
    const ev = val.length ? evaluateHead(k, d, val, { w, bias }, evalCfg) : undefined;
    const stats: EpochStats = { epoch, trainLoss: lossSum / count, valLoss: ev?.loss, valPearson: ev?.pearson };
    history.push(stats);
    onEpoch?.(stats);
    const score = stats.valLoss ?? stats.trainLoss;
    const bestScore = best.valLoss ?? best.trainLoss;
    if (score < bestScore - 1e-6 || !ev) {
      best = stats;
      bestW = w.slice();
      bestB = bias.slice();
      sinceBest = 0;
    } else if (++sinceBest >= cfg.patience) break;
  }
  return { weights: { w: bestW, bias: bestB, mean, std, dim, bins: BINS }, history, initial, best, trainItems: train.length, valItems: val.length, steps };
}
