#!/usr/bin/env node
// Measures the per-kernel ISA choice again and replaces the cached one (SELFJ_NATIVE_TUNE=force for this process
// only). Run it on an idle machine, with no selfj stage running: a running stage keeps the choice it loaded, and its
// next process would load the new one. Prints the new choice, its timings and whether it was taken under load.
import os from 'node:os';

process.env.SELFJ_NATIVE_TUNE = 'force';
const { info } = await import('../dist/index.js');
const i = info();
const d = i.dispatch;
if (d?.source !== 'measured') {
  console.error(`Nothing measured: backend ${i.backend}, dispatch ${d ? `${d.source}${d.reason ? ` (${d.reason})` : ''}` : 'n/a'}` +
    `${i.fallbackReason ? `; ${i.fallbackReason}` : ''}`);
  process.exit(1);
}
const load = os.loadavg()[0];
console.log(JSON.stringify({ kernels: d.kernels, timingsMs: d.timingsMs, underLoad: d.underLoad, cpuShare: d.cpuShare,
  measuredAt: d.measuredAt, cacheFile: d.cacheFile, loadAverage: load, cpus: os.availableParallelism() }, null, 2));
if (d.reason && !/SELFJ_NATIVE_TUNE=force/.test(d.reason)) console.error(d.reason);
if (d.underLoad) {
  console.error(`Measured under load (the measuring thread had a CPU ${Math.round((d.cpuShare ?? 0) * 100)}% of the time; ` +
    `load average ${load.toFixed(1)} on ${os.availableParallelism()} CPUs): run it again when the machine is idle.`);
}
