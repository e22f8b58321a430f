/**
 * `npm run bench -w @selfj/native [-- --json] [-- --quick]`: every kernel on every available backend, side by side
 * in one run (CPU at the best ISA in-process, lower ISAs in child processes, the TS reference, CUDA when present),
 * with simsimd and numpy/OpenBLAS as peers and the addon's own streaming-read probe as the bandwidth yardstick.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import * as api from '../index.js';
import { FULL, KERNELS, QUICK, makeData, measureKernel, type Impl, type Measurement, type RunOptions } from './cases.js';
import { numpyMatrix, simsimdCosineRows, type PeerResult } from './peers.js';
import { evaluateTargets, printMarkdown, printReport, type BenchResult, type CudaRow } from './report.js';

const argv = process.argv.slice(2);
const json = argv.includes('--json');
const markdown = argv.includes('--markdown');
const quick = argv.includes('--quick');
const childIsa = argv.find((a) => a.startsWith('--child-isa='))?.slice('--child-isa='.length);
const shapes = quick ? QUICK : FULL;
const log = (msg: string) => { if (!json && !markdown && !childIsa) process.stderr.write(`${msg}\n`); };

const impl = api as unknown as Impl;
const reference = api.reference as unknown as Impl;
/** The TS reference is timed on leading rows and scaled (the full matrix case alone would take ~16 s). */
const JS_SLICE: RunOptions = {
  sliceRows: quick
    ? { cosineMatrix: 16, judgeHeadForward: 256, judgeHeadTrainStep: 128 }
    : { cosineMatrix: 64, judgeHeadForward: 1024, judgeHeadTrainStep: 512 },
  minReps: 3,
  budgetMs: 1000,
};

function cpuMeasurements(label: string, opts: RunOptions = {}): Measurement[] {
  const d = makeData(shapes);
  return KERNELS.map((k) => { log(`  ${label} ${k}`); return measureKernel(impl, label, k, d, opts); });
}

/** Child mode: the parent set SELFJ_NATIVE_ISA; report what ran and the CPU timings. */
if (childIsa) {
  const info = api.info();
  const measurements = info.isa === childIsa ? cpuMeasurements(`cpu-${childIsa}`, { minReps: 3, budgetMs: 1000 }) : [];
  process.stdout.write(JSON.stringify({ isa: info.isa, measurements }));
  process.exit(0);
}

function lowerIsas(best: string): { measurements: Measurement[]; notes: string[] } {
  const measurements: Measurement[] = [];
  const notes: string[] = [];
  for (const isa of ['avx512', 'avx2', 'scalar'].filter((x) => x !== best)) {
    log(`cpu ISA ${isa} (child process, SELFJ_NATIVE_ISA=${isa})`);
    const args = [fileURLToPath(import.meta.url), `--child-isa=${isa}`, ...(quick ? ['--quick'] : [])];
    const r = spawnSync(process.execPath, args, {
      env: { ...process.env, SELFJ_NATIVE_ISA: isa, SELFJ_NATIVE_BACKEND: 'cpu' }, encoding: 'utf8', maxBuffer: 1 << 24,
    });
    try {
      const out = JSON.parse(r.stdout) as { isa: string; measurements: Measurement[] };
      if (out.isa !== isa) notes.push(`cpu-${isa}: not supported by this CPU (the addon fell back to ${out.isa}); not measured`);
      measurements.push(...out.measurements);
    } catch {
      notes.push(`cpu-${isa}: child failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').pop()}`);
    }
  }
  return { measurements, notes };
}

function cudaSection(): BenchResult['cuda'] {
  const raw = api.rawAddon();
  const device = raw?.info().cudaDevice;
  if (!raw || !device || !raw.setBackend('cuda')) return null;
  log(`cuda on ${device}`);
  const d = makeData(shapes);
  const rows: CudaRow[] = [];
  for (const k of KERNELS) {
    const host = measureKernel(impl, 'cuda', k, d);
    const s = shapes;
    // bins must be valid (2..64) even where the kernel ignores it; nb likewise.
    const [n, nb, dim] = k === 'cosineRows' ? [s.rows.n, 0, s.rows.dim]
      : k === 'cosineMatrix' ? [s.matrix.na, s.matrix.nb, s.matrix.dim] : [s.head.n, 0, s.head.dim];
    let dev: { msPerCall: number; bytesPerCall: number } | null = null;
    try {
      dev = raw.benchDevice?.(k, n, nb, dim, s.head.bins, 20) ?? null;
    } catch (e) {
      log(`  benchDevice(${k}) failed: ${(e as Error).message}`);
    }
    rows.push({ kernel: k, hostMs: host.ms, deviceMs: dev?.msPerCall ?? null,
      deviceGbps: dev ? dev.bytesPerCall / dev.msPerCall / 1e6 : null });
  }
  raw.setBackend('cpu');
  return { device, rows, hbmGbps: 4800 };
}

function main(): void {
  const info = api.info();
  const raw = api.rawAddon();
  const result: BenchResult = {
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version, date: new Date().toISOString() },
    info: { ...info },
    quick,
    bandwidth: { oneThread: null, twoThreads: null, bytes: 0 },
    shapes: {
      cosineRows: `${shapes.rows.n} pairs x ${shapes.rows.dim}`,
      cosineMatrix: `${shapes.matrix.na} x ${shapes.matrix.nb} x ${shapes.matrix.dim}`,
      judgeHeadForward: `${shapes.head.n} x ${shapes.head.dim}, bins ${shapes.head.bins}`,
      judgeHeadTrainStep: `${shapes.head.n} x ${shapes.head.dim}, bins ${shapes.head.bins}, two views`,
    },
    measurements: [],
    peers: [],
    isaNotes: [],
    cuda: null,
    targets: [],
  };
  const cpuRef: { rows: Float32Array | null } = { rows: null };
  if (raw) {
    raw.setBackend('cpu');
    const bytes = quick ? 64 * 2 ** 20 : 256 * 2 ** 20;
    const probe = (threads: number) => api.readBandwidthProbe(bytes, 5, threads) ?? 0;
    const before = [probe(2), probe(1)];
    log(`cpu ${info.isa} (best ISA, in-process, ${info.threads} threads)`);
    result.measurements.push(...cpuMeasurements('cpu'));
    // Probed before and after the CPU timings; the higher figure is kept (the machine is shared, so be conservative).
    result.bandwidth = { bytes, twoThreads: Math.max(before[0], probe(2)), oneThread: Math.max(before[1], probe(1)) };
    const lower = lowerIsas(info.isa);
    result.measurements.push(...lower.measurements);
    result.isaNotes.push(`cpu = the best ISA here (${info.isa}); cpu-<isa> rows ran in child processes with SELFJ_NATIVE_ISA`, ...lower.notes);
  } else {
    result.isaNotes.push(`no addon (${info.fallbackReason}): CPU and CUDA rows are missing`);
  }
  log('js reference');
  const d = makeData(shapes);
  for (const k of KERNELS) result.measurements.push(measureKernel(reference, 'js', k, d, JS_SLICE));
  if (raw) cpuRef.rows = api.cosineRows(d.a, d.b, shapes.rows.dim);
  log('peers: simsimd, numpy');
  const peers: PeerResult[] = [simsimdCosineRows(d, cpuRef.rows), numpyMatrix(d)];
  result.peers = peers;
  try {
    result.cuda = raw ? cudaSection() : null;
  } catch (e) {
    result.isaNotes.push(`cuda: benchmark failed: ${(e as Error).message.split('\n')[0]}`);
    raw?.setBackend('cpu');
  }
  evaluateTargets(result);
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (markdown) printMarkdown(result);
  else printReport(result);
}

/** `--render=<file.json>` re-prints a saved `--json` run (as a table, or markdown with --markdown). */
const render = argv.find((a) => a.startsWith('--render='))?.slice('--render='.length);
if (render) {
  const saved = JSON.parse(readFileSync(render, 'utf8')) as BenchResult;
  if (markdown) printMarkdown(saved);
  else printReport(saved);
} else {
  main();
}
