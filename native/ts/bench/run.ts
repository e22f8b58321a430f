/**
 * `npm run bench -w @selfj/native -- [--quick] [--json] [--markdown <file|->] [--compare <baseline.json>
 * [--max-regression <pct>]] [--render <saved.json>] [--hbm-gbps <n>]`
 *
 * Every kernel on every available backend, side by side in one process: the CPU addon on each ISA in alternating
 * rounds (the dispatched one is the `cpu` row), the TS reference, CUDA when present; simsimd and numpy/OpenBLAS as
 * peers; the addon's read and FMA probes, sampled through the run, as the roofline. `--json` prints the record
 * (machine, roofline, every figure, targets); `--compare` prints the change per kernel against a saved record and
 * exits 1 past `--max-regression` (default 10%); `--markdown` writes a summary for a CI job page. The CUDA targets
 * compare with the device's peak memory bandwidth from the table in hbm.ts; `--hbm-gbps` gives it for another GPU.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as api from '../index.js';
import { FULL, KERNELS, QUICK, cost, kernelCall, makeData, measureKernel, toMeasurement, type Impl, type KernelName, type Measurement, type RunOptions } from './cases.js';
import { compareLines, compareResults } from './compare.js';
import { parseHbmGbps } from './hbm.js';
import { markdown, printReport } from './format.js';
import { machineInfo, RooflineProbe } from './machine.js';
import { timeInterleaved } from './measure.js';
import { numpyMatrix, simsimdCosineRows } from './peers.js';
import { SCHEMA, applyHbmReference, evaluateTargets, type BenchResult, type CudaRow } from './report.js';

const { values: opt } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    markdown: { type: 'string' },
    compare: { type: 'string' },
    'max-regression': { type: 'string', default: '10' },
    render: { type: 'string' },
    'hbm-gbps': { type: 'string' },
  },
  strict: true,
});
const hbmGbps = parseHbmGbps(opt['hbm-gbps']);
const shapes = opt.quick ? QUICK : FULL;
const log = (msg: string) => { if (!opt.json) process.stderr.write(`${msg}\n`); };
const impl = api as unknown as Impl;
/** The TS reference is timed on leading rows and scaled (the full matrix case alone would take ~16 s). */
const JS_SLICE: RunOptions = {
  sliceRows: opt.quick
    ? { cosineMatrix: 16, judgeHeadForward: 256, judgeHeadTrainStep: 128 }
    : { cosineMatrix: 64, judgeHeadForward: 1024, judgeHeadTrainStep: 512 },
  minReps: 3,
  budgetMs: 1000,
};

/** Each kernel on each ISA the addon accepts, SIMD ISAs in alternating rounds, scalar alone (it is 5-10x slower). */
function cpuRows(probe: RooflineProbe): Measurement[] {
  const raw = api.rawAddon();
  if (!raw?.setKernelIsa) return [];
  const info = raw.info();
  const dispatched = { ...(info.kernels ?? {}) } as Record<KernelName, string>;
  const d = makeData(shapes);
  const out: Measurement[] = [];
  for (const k of KERNELS) {
    const isas = (info.isas ?? [info.isa]).filter((isa) => raw.setKernelIsa?.(k, isa));
    const simd = isas.filter((isa) => isa !== 'scalar');
    const { call, rows, fullRows } = kernelCall(impl, k, d);
    log(`  ${k}: ${isas.join(', ')} (dispatched: ${dispatched[k]})`);
    const groups = [simd, isas.filter((isa) => isa === 'scalar')].filter((g) => g.length);
    // The read roof at this kernel's input size is sampled in the same rounds as the SIMD kernels (one more
    // contestant, its own GB/s kept), so a burst of other tenants' memory traffic hits both alike.
    const { bytes } = cost(k, shapes);
    // Its buffer is mapped and freed on each call, which slowed the next timed call by up to 20% (measured): one
    // untimed kernel call after it settles the memory system again.
    const roof = { before: () => {}, call: () => (probe.sampleAt(bytes, 2), call()) };
    for (const g of groups) {
      const cands = g.map((isa) => ({ before: () => raw.setKernelIsa?.(k, isa), call }));
      const t = timeInterleaved(g[0] === 'scalar' ? cands : [...cands, roof],
        g[0] === 'scalar' ? { minReps: 3, maxReps: 5, budgetMs: 1000 } : { minReps: 7, maxReps: 25, budgetMs: 4000 });
      for (const [i, isa] of g.entries()) out.push({ ...toMeasurement(k, `cpu-${isa}`, t[i], shapes, rows, fullRows), isa });
    }
    raw.setKernelIsa(k, dispatched[k]);
    const chosen = out.find((m) => m.kernel === k && m.isa === dispatched[k]);
    if (chosen) out.push({ ...chosen, backend: 'cpu' });
    probe.sample();
  }
  return out;
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
    rows.push({ kernel: k, hostMs: host.ms, deviceMs: dev?.msPerCall ?? null, deviceGbps: dev ? dev.bytesPerCall / dev.msPerCall / 1e6 : null });
  }
  raw.setBackend('cpu');
  return { device, rows, hbmGbps: null }; // the reference is set by applyHbmReference
}

function run(): BenchResult {
  const raw = api.rawAddon();
  raw?.setBackend('cpu');
  const machine = machineInfo();
  const simdIsas = (raw?.info().isas ?? []).filter((i) => i !== 'scalar');
  const probe = new RooflineProbe(opt.quick ? 64 * 2 ** 20 : 256 * 2 ** 20, simdIsas.length ? simdIsas : ['scalar']);
  const result: BenchResult = {
    schema: SCHEMA, machine, quick: !!opt.quick, roofline: probe.result(),
    shapes: {
      cosineRows: `${shapes.rows.n} pairs x ${shapes.rows.dim}`,
      cosineMatrix: `${shapes.matrix.na} x ${shapes.matrix.nb} x ${shapes.matrix.dim}`,
      judgeHeadForward: `${shapes.head.n} x ${shapes.head.dim}, bins ${shapes.head.bins}`,
      judgeHeadTrainStep: `${shapes.head.n} x ${shapes.head.dim}, bins ${shapes.head.bins}, two views`,
    },
    measurements: [], peers: [], notes: [], cuda: null, targets: [],
  };
  if (raw) {
    log(`cpu: probes, then every kernel on every ISA (${machine.threads} threads)`);
    probe.sample();
    probe.sampleFma();
    result.measurements.push(...cpuRows(probe));
    result.notes.push('cpu-<isa> rows: the same kernel on each ISA in alternating rounds in this process; cpu = the ' +
      'dispatched ISA; ms (best) is the fastest call, as the probes keep their best run');
  } else {
    result.notes.push(`no addon (${api.info().fallbackReason}): CPU and CUDA rows are missing`);
  }
  log('js reference');
  const d = makeData(shapes);
  for (const k of KERNELS) result.measurements.push(measureKernel(api.reference as unknown as Impl, 'js', k, d, JS_SLICE));
  log('peers: simsimd, numpy');
  result.peers = [simsimdCosineRows(d, raw ? api.cosineRows(d.a, d.b, shapes.rows.dim) : null), numpyMatrix(d)];
  try {
    result.cuda = raw ? cudaSection() : null;
  } catch (e) {
    result.notes.push(`cuda: benchmark failed: ${(e as Error).message.split('\n')[0]}`);
    raw?.setBackend('cpu');
  }
  if (raw) {
    probe.sample();
    probe.sampleFma();
  }
  result.roofline = probe.result();
  applyHbmReference(result, hbmGbps);
  evaluateTargets(result);
  return result;
}

const result = opt.render ? (JSON.parse(readFileSync(opt.render, 'utf8')) as BenchResult) : run();
if (opt.render) {
  applyHbmReference(result, hbmGbps);
  evaluateTargets(result);
}
const pct = Number(opt['max-regression']);
if (!(pct >= 0)) throw new Error(`--max-regression must be a number >= 0 (got ${opt['max-regression']})`);
const comparison = opt.compare ? compareResults(JSON.parse(readFileSync(opt.compare, 'utf8')) as BenchResult, result, pct) : null;
if (opt.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
else printReport(result);
if (comparison) {
  const lines = [`compared with ${opt.compare}:`, ...compareLines(comparison)].join('\n');
  if (opt.json) process.stderr.write(`${lines}\n`);
  else console.log(`\n${lines}`);
}
if (opt.markdown) {
  const extra = comparison ? ['', `### Compared with ${opt.compare}`, '', ...compareLines(comparison, true)] : [];
  const md = markdown(result, extra);
  if (opt.markdown === '-') process.stdout.write(md);
  else writeFileSync(opt.markdown, md, { flag: 'a' }); // appended: $GITHUB_STEP_SUMMARY collects several steps
}
if (comparison?.regressions.length) process.exitCode = 1;
