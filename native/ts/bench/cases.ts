/**
 * Benchmark cases (exact shapes from the issue) and how each backend is timed on them. The TS reference is timed on
 * a row slice for the slow cases and scaled up (the record says so).
 */
import { fillRandom, timeIt, type Timing } from './measure.js';

export interface Impl {
  cosineRows(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array;
  cosineMatrix(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array;
  judgeHeadForward(args: Record<string, unknown>): unknown;
  judgeHeadTrainStep(args: Record<string, unknown>): unknown;
}

export type KernelName = 'cosineRows' | 'cosineMatrix' | 'judgeHeadForward' | 'judgeHeadTrainStep';

export interface Shapes {
  rows: { n: number; dim: number };
  matrix: { na: number; nb: number; dim: number };
  head: { n: number; dim: number; bins: number };
}

export const FULL: Shapes = {
  rows: { n: 16384, dim: 1024 },
  matrix: { na: 1024, nb: 4096, dim: 1024 },
  head: { n: 16384, dim: 4096, bins: 10 },
};
export const QUICK: Shapes = {
  rows: { n: 4096, dim: 1024 },
  matrix: { na: 256, nb: 1024, dim: 1024 },
  head: { n: 2048, dim: 4096, bins: 10 },
};

export interface Measurement {
  kernel: KernelName;
  backend: string;
  /** Fastest call (ms): the figure the ratios use, like the probes' best run. */
  ms: number;
  /** Median and slowest call: the spread on this (shared) machine. */
  medianMs?: number;
  maxMs?: number;
  reps: number;
  /** Input bytes read per call (the GB/s numerator). */
  bytes: number;
  flops: number;
  gbps: number;
  gflops: number;
  /** Set when timed on a slice and scaled to the full shape. */
  scaled?: string;
  /** The CPU ISA it ran on (cpu rows). */
  isa?: string;
}

export interface Data {
  shapes: Shapes;
  a: Float32Array; b: Float32Array;
  ma: Float32Array; mb: Float32Array;
  hT: Float32Array; hS: Float32Array; offT: Float32Array; offS: Float32Array; targets: Float32Array;
  w: Float32Array; bias: Float32Array;
}

export function makeData(shapes: Shapes): Data {
  const { rows, matrix, head } = shapes;
  const targets = new Float32Array(head.n * head.bins);
  for (let i = 0; i < head.n; i++) {
    const z = (i * 7919) % (head.bins * 100) / 100;
    const lo = Math.min(Math.floor(z), head.bins - 2);
    targets[i * head.bins + lo] = lo + 1 - z;
    targets[i * head.bins + lo + 1] = z - lo;
  }
  return {
    shapes,
    a: fillRandom(new Float32Array(rows.n * rows.dim), 1), b: fillRandom(new Float32Array(rows.n * rows.dim), 2),
    ma: fillRandom(new Float32Array(matrix.na * matrix.dim), 3), mb: fillRandom(new Float32Array(matrix.nb * matrix.dim), 4),
    hT: fillRandom(new Float32Array(head.n * head.dim), 5), hS: fillRandom(new Float32Array(head.n * head.dim), 6),
    offT: fillRandom(new Float32Array(head.n * head.bins), 7, 3), offS: fillRandom(new Float32Array(head.n * head.bins), 8, 3),
    targets, w: fillRandom(new Float32Array(head.bins * head.dim), 9, 0.02), bias: new Float32Array(head.bins),
  };
}

/** Bytes of input read and FLOPs per call of each kernel at the given row count. */
export function cost(kernel: KernelName, s: Shapes, rowsOverride?: number): { bytes: number; flops: number } {
  if (kernel === 'cosineRows') {
    const n = rowsOverride ?? s.rows.n;
    return { bytes: 2 * n * s.rows.dim * 4, flops: 6 * n * s.rows.dim };
  }
  if (kernel === 'cosineMatrix') {
    const na = rowsOverride ?? s.matrix.na;
    return { bytes: (na + s.matrix.nb) * s.matrix.dim * 4, flops: 2 * na * s.matrix.nb * s.matrix.dim };
  }
  const n = rowsOverride ?? s.head.n;
  const { dim, bins } = s.head;
  if (kernel === 'judgeHeadForward') return { bytes: (n * dim + n * bins + bins * dim + bins) * 4, flops: 2 * n * dim * bins };
  // two views of features and offsets, targets, and w plus its two moments
  return { bytes: (2 * n * dim + 3 * n * bins + 3 * bins * dim) * 4, flops: 8 * n * dim * bins };
}

export interface RunOptions {
  /** Time on this many leading rows and scale to the full shape (for the slow TS reference). */
  sliceRows?: Partial<Record<KernelName, number>>;
  minReps?: number;
  budgetMs?: number;
}

/** The call that runs `kernel` once on `impl` over the first `rows` rows of the case (outputs preallocated). */
export function kernelCall(impl: Impl, kernel: KernelName, d: Data, opt: RunOptions = {}): { call: () => unknown; rows: number; fullRows: number } {
  const s = d.shapes;
  const fullRows = kernel === 'cosineRows' ? s.rows.n : kernel === 'cosineMatrix' ? s.matrix.na : s.head.n;
  const rows = Math.min(opt.sliceRows?.[kernel] ?? fullRows, fullRows);
  const { dim: hd, bins } = s.head;
  if (kernel === 'cosineRows') {
    const out = new Float32Array(rows);
    const a = d.a.subarray(0, rows * s.rows.dim), b = d.b.subarray(0, rows * s.rows.dim);
    return { call: () => impl.cosineRows(a, b, s.rows.dim, out), rows, fullRows };
  }
  if (kernel === 'cosineMatrix') {
    const out = new Float32Array(rows * s.matrix.nb);
    const a = d.ma.subarray(0, rows * s.matrix.dim);
    return { call: () => impl.cosineMatrix(a, d.mb, s.matrix.dim, out), rows, fullRows };
  }
  if (kernel === 'judgeHeadForward') {
    const probsOut = new Float32Array(rows * bins), scoresOut = new Float32Array(rows);
    const h = d.hT.subarray(0, rows * hd), offset = d.offT.subarray(0, rows * bins);
    return { call: () => impl.judgeHeadForward({ h, w: d.w, bias: d.bias, offset, dim: hd, bins, probsOut, scoresOut }), rows, fullRows };
  }
  const w = d.w.slice(), bias = d.bias.slice();
  const state = { mW: new Float32Array(w.length), vW: new Float32Array(w.length), mB: new Float32Array(bins), vB: new Float32Array(bins), step: 0 };
  const args = {
    hTeacher: d.hT.subarray(0, rows * hd), hStudent: d.hS.subarray(0, rows * hd),
    offsetTeacher: d.offT.subarray(0, rows * bins), offsetStudent: d.offS.subarray(0, rows * bins),
    targets: d.targets.subarray(0, rows * bins), w, bias, dim: hd, bins, state, lr: 1e-4,
  };
  return { call: () => impl.judgeHeadTrainStep(args), rows, fullRows };
}

/** A measurement record from per-call times (ms) taken on `rows` of `fullRows` rows (scaled when fewer). */
export function toMeasurement(kernel: KernelName, backend: string, t: Timing, s: Shapes, rows: number, fullRows: number): Measurement {
  const scale = fullRows / rows;
  const { bytes, flops } = cost(kernel, s);
  const ms = t.ms * scale;
  const m: Measurement = {
    kernel, backend, ms, medianMs: t.medianMs * scale, maxMs: t.maxMs * scale, reps: t.reps, bytes, flops,
    gbps: bytes / ms / 1e6, gflops: flops / ms / 1e6,
  };
  if (scale !== 1) m.scaled = `timed on ${rows} of ${fullRows} rows, scaled x${scale.toFixed(0)}`;
  return m;
}

export function measureKernel(impl: Impl, backend: string, kernel: KernelName, d: Data, opt: RunOptions = {}): Measurement {
  const { call, rows, fullRows } = kernelCall(impl, kernel, d, opt);
  const t = timeIt(call, { minReps: opt.minReps ?? 5, budgetMs: opt.budgetMs ?? 1500 });
  return toMeasurement(kernel, backend, t, d.shapes, rows, fullRows);
}

export const KERNELS: KernelName[] = ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'];
