#!/usr/bin/env node
// Child process: loads one addon file and runs a tiny kernel, so that a binary which crashes on load (an instruction
// this CPU lacks, a glibc it does not have) takes down this process instead of the caller. Prints
// {"ok":true,"isa":...} or {"ok":false,"reason":...}; a crash shows in the parent as this process's signal.
import { createRequire } from 'node:module';

const file = process.argv[2];
const REQUIRED = ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep', 'info', 'setThreads'];
let out;
try {
  const mod = createRequire(import.meta.url)(file);
  const missing = REQUIRED.filter((k) => typeof mod?.[k] !== 'function');
  if (missing.length) {
    out = { ok: false, reason: `${file} loaded but lacks ${missing.join(', ')} (not a selfj addon or stale build)` };
  } else {
    const info = mod.info();
    const r = mod.cosineRows(Float32Array.of(3, 4, 0, 1), Float32Array.of(3, 4, 0, 2), 2);
    const good = Math.abs(r[0] - 1) < 1e-6 && Math.abs(r[1] - 1) < 1e-6;
    out = good ? { ok: true, isa: info.isa, version: info.version } : { ok: false, reason: `${file} loaded but computed a wrong cosine (${r[0]}, ${r[1]})` };
  }
} catch (e) {
  out = { ok: false, reason: `${file} could not be loaded: ${String(e?.message ?? e).split('\n')[0]}` };
}
process.stdout.write(JSON.stringify(out));
