#!/usr/bin/env node
// npm install hook of @selfj/native: keep the prebuilt shipped in the package when it loads on this machine (tested
// in a child process: a binary for another CPU or C library must not take down the install), else build from source
// (build-addon.mjs). Never fails the install (the TypeScript kernels still work) unless SELFJ_NATIVE_REQUIRE=1.
// npm 11 runs this for a dependency only once approved (npm install-scripts approve @selfj/native); without it the
// loader still uses the prebuilt at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuiltPath } from './prebuilt.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.SELFJ_NATIVE_BACKEND === 'js' || process.env.SELFJ_NATIVE_SKIP_INSTALL === '1') {
  console.log('[selfj/native] install: skipped (SELFJ_NATIVE_BACKEND=js or SELFJ_NATIVE_SKIP_INSTALL=1)');
  process.exit(0);
}

const prebuilt = prebuiltPath(root);
if (existsSync(prebuilt)) {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'verify-addon.mjs'), prebuilt], { encoding: 'utf8', timeout: 60_000 });
  let verdict;
  try {
    verdict = JSON.parse(r.stdout);
  } catch {
    verdict = { ok: false, reason: r.signal ? `killed by ${r.signal}` : `exited with ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}` };
  }
  if (verdict.ok && r.status === 0) {
    console.log(`[selfj/native] using the prebuilt addon ${prebuilt} (${verdict.isa})`);
    process.exit(0);
  }
  console.warn(`[selfj/native] the prebuilt addon does not load here (${verdict.reason}); building from source`);
} else {
  console.log(`[selfj/native] no prebuilt addon for ${process.platform}-${process.arch}; building from source`);
}
// The local build goes to build/Release; the shipped prebuilt is left as it is (the loader tries both).
const b = spawnSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs'), '--no-prebuild'], { stdio: 'inherit' });
process.exit(b.status ?? 1);
