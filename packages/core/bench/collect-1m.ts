/**
 * Scale benchmark for `collect` (not a timed test): streams N synthetic records (default 1,000,000; varied
 * lengths, ~5% exact duplicates, ~5% near duplicates, a few records for each filter) through filters, exact + near
 * dedupe and the stratified split, writing real JSONL to a temp dir. Prints records/s and peak RSS against the
 * targets (>= 50k records/s, peak RSS < 500 MB). Run: npm run bench -w @selfj/core [-- --records 200000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, formatStats } from '@selfj/core/collect';
import { formatMinhashRatio, minhashRatio } from './minhash-ratio.js';
import { generation, injected, synthetic } from './synthetic.js';

const argIdx = process.argv.indexOf('--records');
const N = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 1_000_000;
const TARGET_RATE = 50_000;
const TARGET_RSS_MB = 500;

/** CPU speed check: a fixed integer loop, to compare runs made under different machine load. */
function calibrate(): number {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 3e8; i++) x = (x + i * 7) | 0;
  if (x === 42) console.log('');
  return (performance.now() - t) / 1000;
}

const calib = calibrate();
const out = await mkdtemp(join(tmpdir(), 'selfj-collect-bench-'));
try {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { stats } = await collect({
    manifest: {
      sources: [
        { name: 'synthetic-a', uri: 'mem://a', priority: 2 },
        { name: 'synthetic-b', uri: 'mem://b', priority: 1 },
      ],
      split: { test: 0.05 },
    },
    outDir: out,
    // Presizing the dedupe tables (as `--expected-records` does) avoids a grow-and-copy at the peak.
    expectedRecords: N,
    resolve: (src) => synthetic(N, src.name.endsWith('a') ? 0 : 1),
  });
  const secs = (performance.now() - t0) / 1000;
  const rate = stats.totals.read / secs;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  console.log(formatStats(stats));
  console.log('');
  console.log(`injected: ${injected.exact} exact dupes, ${injected.near} near dupes (one word appended)`);
  console.log(`dedupe index: ${(stats.dedupe.indexBytes / 2 ** 20).toFixed(0)} MB (${stats.dedupe.exactKeys} exact keys, ${stats.dedupe.nearBands} bands)`);
  console.log(`collect: ${stats.totals.read.toLocaleString('en-US')} records in ${secs.toFixed(1)} s`);
  const own = stats.totals.read / (secs - generation.seconds);
  console.log(`input generation: ${generation.seconds.toFixed(1)} s of that (measured inside the generator); collect alone: ${Math.round(own).toLocaleString('en-US')} records/s`);
  console.log(`throughput (end to end, input generation included): ${Math.round(rate).toLocaleString('en-US')} records/s (target >= ${TARGET_RATE.toLocaleString('en-US')}) ${rate >= TARGET_RATE ? 'OK' : 'BELOW TARGET'}`);
  console.log(`CPU time: ${cpuSecs.toFixed(1)} s -> ${Math.round(stats.totals.read / cpuSecs).toLocaleString('en-US')} records per CPU-second (the machine's 2 cores are shared; wall time suffers when others run)`);
  console.log(`speed check: fixed reference loop took ${calib.toFixed(2)} s (compare across runs: higher = busier CPU); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`peak RSS: ${rssMb.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB) ${rssMb < TARGET_RSS_MB ? 'OK' : 'ABOVE TARGET'}`);
  console.log(formatMinhashRatio(minhashRatio()));
} finally {
  await rm(out, { recursive: true, force: true });
}
