/**
 * Benchmark report: the side-by-side table, the targets with PASS/MISS, and the CUDA section.
 * TARGETS: the ratios the native kernels are held to, in one place (the targets of issue 2, "Foundation").
 */
import type { KernelName, Measurement } from './cases.js';
import { fmt } from './measure.js';
import type { PeerResult } from './peers.js';

export interface CudaRow {
  kernel: KernelName;
  hostMs: number;
  deviceMs: number | null;
  deviceGbps: number | null;
}

export interface BenchResult {
  machine: { cpu: string; cores: number; node: string; date: string };
  info: Record<string, unknown>;
  quick: boolean;
  bandwidth: { oneThread: number | null; twoThreads: number | null; bytes: number };
  shapes: Record<string, string>;
  measurements: Measurement[];
  peers: PeerResult[];
  isaNotes: string[];
  cuda: { device: string; rows: CudaRow[]; hbmGbps: number } | null;
  targets: TargetCheck[];
}

export interface TargetCheck {
  check: string;
  target: number;
  measured: number | null;
  pass: boolean | null;
}

const HBM_GBPS = 4800; // H200 HBM3e, the reference for device-resident CUDA throughput

interface TargetSpec {
  check: string;
  target: number;
  value: (r: BenchResult, best: (k: KernelName, backend: string) => Measurement | undefined) => number | null;
}

const ratio = (x: number | undefined | null, y: number | undefined | null) => (x && y ? x / y : null);

export const TARGETS: TargetSpec[] = [
  { check: 'cosineRows cpu: GB/s / streaming read (2 threads)', target: 0.9, value: (r, m) => ratio(m('cosineRows', 'cpu')?.gbps, r.bandwidth.twoThreads) },
  { check: 'cosineRows cpu: speed-up over simsimd (per pair)', target: 3, value: (_r, m) => ratio(m('cosineRows', 'simsimd')?.ms, m('cosineRows', 'cpu')?.ms) },
  { check: 'cosineRows cpu: speed-up over TS reference', target: 9, value: (_r, m) => ratio(m('cosineRows', 'js')?.ms, m('cosineRows', 'cpu')?.ms) },
  { check: 'cosineMatrix cpu: GFLOP/s / 150', target: 1, value: (_r, m) => ratio(m('cosineMatrix', 'cpu')?.gflops, 150) },
  { check: 'cosineMatrix cpu: GFLOP/s / numpy-OpenBLAS sgemm (same run)', target: 1, value: (_r, m) => ratio(m('cosineMatrix', 'cpu')?.gflops, m('cosineMatrix', 'numpy')?.gflops) },
  { check: 'judgeHeadForward cpu: GB/s / streaming read', target: 0.85, value: (r, m) => ratio(m('judgeHeadForward', 'cpu')?.gbps, r.bandwidth.twoThreads) },
  { check: 'judgeHeadTrainStep cpu: GB/s / streaming read', target: 0.6, value: (r, m) => ratio(m('judgeHeadTrainStep', 'cpu')?.gbps, r.bandwidth.twoThreads) },
  { check: 'cosineRows cuda (device-resident): GB/s / HBM', target: 0.7, value: (r) => ratio(r.cuda?.rows.find((x) => x.kernel === 'cosineRows')?.deviceGbps, HBM_GBPS) },
  { check: 'judgeHeadForward cuda (device-resident): GB/s / HBM', target: 0.7, value: (r) => ratio(r.cuda?.rows.find((x) => x.kernel === 'judgeHeadForward')?.deviceGbps, HBM_GBPS) },
  { check: 'judgeHeadTrainStep cuda (device-resident): GB/s / HBM', target: 0.7, value: (r) => ratio(r.cuda?.rows.find((x) => x.kernel === 'judgeHeadTrainStep')?.deviceGbps, HBM_GBPS) },
];

/** Fills r.targets; a check whose inputs were not measured (no GPU, no numpy) is n/a, not a MISS. */
export function evaluateTargets(r: BenchResult): void {
  const all = [...r.measurements, ...r.peers.flatMap((p) => (p.measurement ? [p.measurement] : []))];
  const m = (k: KernelName, backend: string) => all.find((x) => x.kernel === k && x.backend === backend);
  r.targets = TARGETS.map((t) => {
    const v = t.value(r, m);
    return { check: t.check, target: t.target, measured: v, pass: v === null ? null : v >= t.target };
  });
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
}

export function printReport(r: BenchResult): void {
  const lines: string[] = [];
  lines.push(`@selfj/native benchmark${r.quick ? ' (--quick sizes)' : ''} - ${r.machine.date}`);
  lines.push(`machine: ${r.machine.cpu}, ${r.machine.cores} logical cores, Node ${r.machine.node}`);
  lines.push(`addon: ${JSON.stringify(r.info)}`);
  lines.push(`streaming read (addon readBandwidthProbe, ${(r.bandwidth.bytes / 2 ** 20).toFixed(0)} MiB, best of before/after): ` +
    `${fmt(r.bandwidth.twoThreads)} GB/s on 2 threads, ${fmt(r.bandwidth.oneThread)} GB/s on 1`);
  lines.push('');
  const widths = [44, 10, 8, 8, 9, 9];
  lines.push(pad(['kernel / backend', 'ms/call', 'GB/s', 'GFLOP/s', 'x TS ref', 'x read BW'], widths));
  const all = [...r.measurements, ...r.peers.flatMap((p) => (p.measurement ? [p.measurement] : []))];
  for (const kernel of ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'] as KernelName[]) {
    lines.push(`${kernel} ${r.shapes[kernel]}`);
    const js = all.find((x) => x.kernel === kernel && x.backend === 'js');
    for (const x of all.filter((y) => y.kernel === kernel)) {
      lines.push(pad([`  ${x.backend}${x.scaled ? ' *' : ''}`, fmt(x.ms, 3), fmt(x.gbps), fmt(x.gflops),
        fmt(js ? js.ms / x.ms : null), fmt(r.bandwidth.twoThreads ? x.gbps / r.bandwidth.twoThreads : null)], widths));
      if (x.scaled) lines.push(`      * ${x.scaled}`);
    }
    for (const p of r.peers.filter((q) => q.kernel === kernel)) lines.push(`    peer ${p.name}: ${p.measurement ? p.note : p.note || 'n/a'}`);
  }
  for (const n of r.isaNotes) lines.push(`note: ${n}`);
  lines.push('');
  if (r.cuda) {
    lines.push(`CUDA ${r.cuda.device} (HBM reference ${r.cuda.hbmGbps} GB/s)`);
    lines.push(pad(['kernel', 'host ms', 'device ms', 'dev GB/s', 'x HBM', 'PCIe share'], [22, 10, 10, 10, 8, 11]));
    for (const c of r.cuda.rows) {
      lines.push(pad([c.kernel, fmt(c.hostMs, 3), fmt(c.deviceMs, 3), fmt(c.deviceGbps), fmt(c.deviceGbps ? c.deviceGbps / r.cuda.hbmGbps : null, 3),
        c.deviceMs ? `${((1 - c.deviceMs / c.hostMs) * 100).toFixed(0)}%` : 'n/a'], [22, 10, 10, 10, 8, 11]));
    }
  } else {
    lines.push('CUDA: n/a (no CUDA device, or the addon was built without CUDA)');
  }
  lines.push('');
  lines.push(pad(['target (issue 2; TARGETS in bench/report.ts)', 'wanted', 'measured', 'result'], [56, 8, 9, 7]));
  for (const t of r.targets) {
    lines.push(pad([t.check, `>= ${t.target}`, fmt(t.measured), t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS'], [56, 8, 9, 7]));
  }
  console.log(lines.join('\n'));
}

/** The results as a markdown table (for docs/native.md): `npm run bench -w @selfj/native -- --markdown`. */
export function printMarkdown(r: BenchResult): void {
  const all = [...r.measurements, ...r.peers.flatMap((p) => (p.measurement ? [p.measurement] : []))];
  const bw = r.bandwidth.twoThreads;
  const out: string[] = [
    `Measured ${r.machine.date.slice(0, 16).replace('T', ' ')} UTC on ${r.machine.cpu}, ${r.machine.cores} logical cores, ` +
      `Node ${r.machine.node}; addon ISA ${String(r.info.isa)}, ${String(r.info.threads)} threads; streaming read ` +
      `${fmt(bw)} GB/s (2 threads), ${fmt(r.bandwidth.oneThread)} GB/s (1 thread).`,
    '',
    '| kernel | backend | ms/call | GB/s | GFLOP/s | x TS ref | x read BW |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const kernel of ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'] as KernelName[]) {
    const js = all.find((x) => x.kernel === kernel && x.backend === 'js');
    for (const x of all.filter((y) => y.kernel === kernel)) {
      out.push(`| ${kernel} ${r.shapes[kernel]} | ${x.backend}${x.scaled ? ' (scaled)' : ''} | ${fmt(x.ms, 3)} | ${fmt(x.gbps)} | ` +
        `${fmt(x.gflops)} | ${fmt(js ? js.ms / x.ms : null)} | ${fmt(bw ? x.gbps / bw : null)} |`);
    }
  }
  out.push('', '| target (issue 2) | wanted | measured | result |', '| --- | ---: | ---: | --- |');
  for (const t of r.targets) out.push(`| ${t.check} | >= ${t.target} | ${fmt(t.measured)} | ${t.pass === null ? 'n/a' : t.pass ? 'PASS' : 'MISS'} |`);
  console.log(out.join('\n'));
}
