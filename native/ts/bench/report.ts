/**
 * Benchmark result: the record (`--json`), the roofline of each row, the targets with PASS/MISS (TARGETS: the
 * ratios of issue 14, in one place) and the sanity check that no kernel "beats" the read probe by more than noise.
 */
import type { KernelName, Measurement } from './cases.js';
import { hbmReference } from './hbm.js';
import type { MachineInfo, Roofline } from './machine.js';
import { fmt } from './measure.js';
import type { PeerResult } from './peers.js';

export const SCHEMA = 'selfj-native-bench/2';
/** How far a kernel may read faster than the probe before the run says the probe is no roofline (noise allowance). */
export const PROBE_NOISE = 0.1;

export interface CudaRow {
  kernel: KernelName;
  hostMs: number;
  deviceMs: number | null;
  deviceGbps: number | null;
}

export interface TargetCheck {
  check: string;
  target: number;
  measured: number | null;
  pass: boolean | null;
  /** What the measurement says about a miss (or why the check is n/a). */
  note?: string;
}

export interface BenchResult {
  schema: string;
  machine: MachineInfo;
  quick: boolean;
  roofline: Roofline;
  shapes: Record<string, string>;
  measurements: Measurement[];
  peers: PeerResult[];
  notes: string[];
  /** hbmGbps: the device's peak memory bandwidth (hbm.ts), null when unknown; hbmSource: where it came from. */
  cuda: { device: string; rows: CudaRow[]; hbmGbps: number | null; hbmSource?: string } | null;
  targets: TargetCheck[];
}

export const KERNEL_ORDER: KernelName[] = ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'];

export function allRows(r: BenchResult): Measurement[] {
  return [...r.measurements, ...r.peers.flatMap((p) => (p.measurement ? [p.measurement] : []))];
}

/**
 * The read roof for a row: the probe over a buffer of the row's own input size when the run sampled one (the cache
 * then holds the same share of both), else the probe's main size.
 */
export function readRoof(m: Pick<Measurement, 'bytes'>, r: Roofline): number | null {
  return r.readAtSize?.[String(m.bytes)] ?? r.readGbps;
}

/** Roofline time of a row (the larger of bytes at the read probe and flops at the FMA peak) and which one binds. */
export function roofline(m: Measurement, r: Roofline): { ms: number | null; bound: 'memory' | 'compute' | 'n/a' } {
  const read = readRoof(m, r);
  if (!read || !r.fmaGflops) return { ms: null, bound: 'n/a' };
  const mem = m.bytes / read / 1e6, cpu = m.flops / r.fmaGflops / 1e6;
  return { ms: Math.max(mem, cpu), bound: mem >= cpu ? 'memory' : 'compute' };
}

const ratio = (x: number | undefined | null, y: number | undefined | null) => (x && y ? x / y : null);
/** A row's GB/s over its read roof. */
const readRatio = (x: Measurement | undefined, r: BenchResult) => (x ? ratio(x.gbps, readRoof(x, r.roofline)) : null);
type Find = (k: KernelName, backend: string) => Measurement | undefined;
interface TargetSpec {
  check: string;
  target: number;
  value: (r: BenchResult, m: Find) => { v: number | null; note?: string };
}

/** avx512 vs avx2, same kernel, timed side by side in one process. */
const isaRace = (k: KernelName): TargetSpec => ({
  check: `${k}: avx2 ms / avx512 ms (AVX-512 at least as fast)`,
  target: 1,
  value: (_r, m) => {
    const a = m(k, 'cpu-avx512') ?? (m(k, 'cpu')?.isa === 'avx512' ? m(k, 'cpu') : undefined);
    const b = m(k, 'cpu-avx2') ?? (m(k, 'cpu')?.isa === 'avx2' ? m(k, 'cpu') : undefined);
    return a && b ? { v: b.ms / a.ms } : { v: null, note: 'needs both ISAs on this CPU' };
  },
});

export const TARGETS: TargetSpec[] = [
  { check: 'cosineRows cpu: GB/s / streaming read', target: 0.9, value: (r, m) => ({ v: readRatio(m('cosineRows', 'cpu'), r) }) },
  { check: 'judgeHeadForward cpu: GB/s / streaming read', target: 0.7, value: (r, m) => ({ v: readRatio(m('judgeHeadForward', 'cpu'), r) }) },
  {
    check: 'judgeHeadTrainStep cpu: 0.5x streaming read, or 0.6x FMA peak where compute-bound',
    target: 1,
    value: (r, m) => {
      const x = m('judgeHeadTrainStep', 'cpu');
      if (!x) return { v: null };
      const roof = roofline(x, r.roofline);
      if (roof.bound === 'compute') {
        const v = ratio(x.gflops, r.roofline.fmaGflops);
        return { v: v === null ? null : v / 0.6, note: `compute-bound: ${fmt(v)} of FMA peak (wanted 0.6)` };
      }
      const v = readRatio(x, r);
      return { v: v === null ? null : v / 0.5, note: `memory-bound: ${fmt(v)} of streaming read (wanted 0.5)` };
    },
  },
  { check: 'cosineMatrix cpu: GFLOP/s / numpy-OpenBLAS sgemm (same run)', target: 1, value: (_r, m) => ({ v: ratio(m('cosineMatrix', 'cpu')?.gflops, m('cosineMatrix', 'numpy')?.gflops) }) },
  ...KERNEL_ORDER.map(isaRace),
  ...(['cosineRows', 'judgeHeadForward', 'judgeHeadTrainStep'] as KernelName[]).map((k): TargetSpec => ({
    check: `${k} cuda (device-resident): GB/s / HBM`, target: 0.7,
    value: (r) => {
      if (!r.cuda) return { v: null, note: 'no CUDA device' };
      if (!r.cuda.hbmGbps) return { v: null, note: r.cuda.hbmSource ?? `no memory-bandwidth reference for "${r.cuda.device}": pass --hbm-gbps <n>` };
      const v = ratio(r.cuda.rows.find((x) => x.kernel === k)?.deviceGbps, r.cuda.hbmGbps);
      return { v, note: `${r.cuda.device}: ${r.cuda.hbmGbps} GB/s, ${r.cuda.hbmSource ?? 'as recorded'}` };
    },
  })),
];

/**
 * Sets the CUDA section's memory-bandwidth reference from its device name (or --hbm-gbps). Also applied to a saved
 * record (--render), so one written when every GPU was held to the H200's 4800 GB/s is held to its own.
 */
export function applyHbmReference(r: BenchResult, override?: number): void {
  if (!r.cuda) return;
  const ref = hbmReference(r.cuda.device, override);
  r.cuda.hbmGbps = ref.gbps;
  r.cuda.hbmSource = ref.source;
}

/** Fills r.targets; a check whose inputs were not measured (no GPU, no numpy, one ISA) is n/a, not a MISS. */
export function evaluateTargets(r: BenchResult): void {
  const all = allRows(r);
  const m: Find = (k, backend) => all.find((x) => x.kernel === k && x.backend === backend);
  r.targets = TARGETS.map((t) => {
    const { v, note } = t.value(r, m);
    return { check: t.check, target: t.target, measured: v, pass: v === null ? null : v >= t.target, ...(note ? { note } : {}) };
  });
}

/** Notes for rows that read faster than the probe by more than PROBE_NOISE: the probe is then no roofline. */
export function probeSanity(r: BenchResult): string[] {
  return r.measurements.flatMap((x) => {
    const bw = readRoof(x, r.roofline);
    if (!bw || !x.backend.startsWith('cpu') || x.scaled || x.gbps <= bw * (1 + PROBE_NOISE)) return [];
    return [`${x.kernel} ${x.backend} reads ${fmt(x.gbps)} GB/s, ${((x.gbps / bw - 1) * 100).toFixed(0)}% above the read probe ` +
      `of its input size (${fmt(bw)} GB/s): more than noise, so the probe understates the roofline in this run (the ` +
      'probe disturbed by other processes); its ratios are optimistic'];
  });
}
