/**
 * `npm run bench -w @selfj/report`: a report of a 100k-record run directory (with an external grade) against the
 * budget (under 5 MB, under 10 s), how time and size scale from 10k to 100k records, and what the external grade
 * adds, measured side by side in one run. Run it holding
 * the shared lock: `flock /tmp/selfj-bench.lock npm run bench -w @selfj/report`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildReport, readRunDir, writeReport } from '@selfj/report';
import { writeSyntheticRun } from './synthetic-run.js';

const BUDGET_SECONDS = 10;
const BUDGET_BYTES = 5 * 1024 * 1024;

interface Measure {
  records: number;
  readS: number;
  buildS: number;
  writeS: number;
  totalS: number;
  bytes: number;
  slowest: string;
}

async function measure(root: string, records: number, external = true): Promise<Measure> {
  const dir = join(root, `run-${records}-${external ? 'ext' : 'plain'}`);
  // with an external grade (grade.field) by default: the largest report a run gives, two more figures against it
  await writeSyntheticRun(dir, { records, seed: 11, hostile: ['<script>x()</script>'], external: external ? { field: 'gpt4_score', missingEvery: 10 } : undefined });
  const t0 = performance.now();
  const inputs = await readRunDir(dir);
  const t1 = performance.now();
  const built = await buildReport(inputs);
  const t2 = performance.now();
  const w = writeReport(built, join(dir, 'report.html'));
  const t3 = performance.now();
  // per-figure time is not recorded by buildReport; the largest SVG names the figure that dominates size
  const slowest = built.figures.filter((f) => f.svg).sort((a, b) => b.svg!.length - a.svg!.length)[0];
  return {
    records,
    readS: (t1 - t0) / 1000,
    buildS: (t2 - t1) / 1000,
    writeS: (t3 - t2) / 1000,
    totalS: (t3 - t0) / 1000,
    bytes: w.bytes,
    slowest: `${slowest.id} (${(slowest.svg!.length / 1024).toFixed(0)} KiB)`,
  };
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'selfj-report-bench-'));
  try {
    // warm-up: module loading and JIT are paid once per process, not per report
    await measure(root, 2_000);
    const small = await measure(root, 10_000);
    const big = await measure(root, 100_000);
    const plain = await measure(root, 100_000, false);
    const row = (m: Measure) =>
      `${String(m.records).padStart(7)}  read ${m.readS.toFixed(2)} s  build ${m.buildS.toFixed(2)} s  write ${m.writeS.toFixed(2)} s  total ${m.totalS.toFixed(2)} s  html ${(m.bytes / 1024 / 1024).toFixed(2)} MB  largest ${m.slowest}`;
    console.log(`selfj report benchmark on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} logical CPUs), Node ${process.version}`);
    console.log(row(small));
    console.log(row(big));
    console.log(`${row(plain)}  (no external grade)`);
    console.log(`100k / 10k: time x${(big.totalS / small.totalS).toFixed(2)}, size x${(big.bytes / small.bytes).toFixed(2)} (records x10)`);
    console.log(`external grade / none at 100k: time x${(big.totalS / plain.totalS).toFixed(2)}, size x${(big.bytes / plain.bytes).toFixed(2)}`);
    console.log(`budget: ${big.totalS.toFixed(2)} s of ${BUDGET_SECONDS} s (${big.totalS < BUDGET_SECONDS ? 'within' : 'OVER'}), ${(big.bytes / 1024 / 1024).toFixed(2)} MB of 5 MB (${big.bytes < BUDGET_BYTES ? 'within' : 'OVER'})`);
    if (big.totalS >= BUDGET_SECONDS || big.bytes >= BUDGET_BYTES) process.exitCode = 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
