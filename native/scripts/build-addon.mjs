#!/usr/bin/env node
// Builds native/build/Release/selfj_native.node with cmake-js (configure + build, so changed -D options apply) and
// copies it to the versioned prebuilt path (prebuilds/<platform>-<arch>/selfj_native-v<version>-napi8.node) that the
// npm package ships. Skips the build when the binary is newer than every source; on failure prints one warning and
// exits 0 (the TypeScript reference kernels are used instead) unless SELFJ_NATIVE_REQUIRE=1. --no-prebuild: no copy.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prebuiltPath } from './prebuilt.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const binary = join(root, 'build', 'Release', 'selfj_native.node');
const force = process.argv.includes('--force');
const require_ = process.env.SELFJ_NATIVE_REQUIRE === '1';
const cuda = (process.env.SELFJ_CUDA ?? 'AUTO').toUpperCase();

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function fail(reason) {
  const msg =
    `[selfj/native] selfj native addon could not be built; the TypeScript reference kernels will be used (slower).\n` +
    `  Reason: ${reason}\n` +
    `  Possible solutions: install a C++17 compiler (g++ >= 9 or clang >= 10) and CMake >= 3.18, then run ` +
    `"npm run build:addon -w @selfj/native"; set SELFJ_CUDA=OFF to skip CUDA; set SELFJ_NATIVE_REQUIRE=1 to make ` +
    `this an error.`;
  if (require_) {
    console.error(msg);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

if (!['AUTO', 'ON', 'OFF'].includes(cuda)) fail(`SELFJ_CUDA must be AUTO, ON or OFF (got "${cuda}")`);

// The cache stamp includes the CUDA mode: a binary built with another SELFJ_CUDA value is rebuilt.
const stampMode = join(root, 'build', `.selfj-cuda-${cuda}`);
if (!force && existsSync(binary) && existsSync(stampMode)) {
  const built = statSync(binary).mtimeMs;
  const sources = Math.max(
    newestMtime(join(root, 'src')),
    newestMtime(join(root, 'CMakeLists.txt')),
    newestMtime(join(root, 'cmake')),
  );
  if (built > sources) {
    console.log('[selfj/native] addon is up to date (use --force to rebuild)');
    copyPrebuilt();
    process.exit(0);
  }
}

/** The package ships the binary under its versioned prebuilt name (git-ignored; made here, i.e. in CI). */
function copyPrebuilt() {
  if (process.argv.includes('--no-prebuild')) return;
  const dest = prebuiltPath(root);
  if (existsSync(dest) && readFileSync(dest).equals(readFileSync(binary))) return;
  mkdirSync(dirname(dest), { recursive: true });
  copyFileSync(binary, dest);
  console.log(`[selfj/native] prebuilt ${dest}`);
}

let cmakeJs;
try {
  cmakeJs = join(dirname(createRequire(join(root, 'package.json')).resolve('cmake-js/package.json')), 'bin', 'cmake-js');
} catch {
  fail('cmake-js is not installed (it is an optional dependency of @selfj/native: npm install cmake-js@8.0.0 node-addon-api@8.9.2)');
}

// Output is captured (npm install stays quiet) and shown only when a step fails, or always with SELFJ_NATIVE_VERBOSE=1.
const verbose = process.env.SELFJ_NATIVE_VERBOSE === '1';
function run(args) {
  const r = spawnSync(process.execPath, [cmakeJs, ...args], {
    cwd: root,
    stdio: verbose ? 'inherit' : 'pipe',
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.error) fail(`cmake-js ${args[0]} could not start: ${r.error.message}`);
  if (r.status !== 0) {
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-25).join('\n');
    fail(`cmake-js ${args[0]} exited with status ${r.status}${out ? `; last output:\n${out}` : ''}`);
  }
}

console.log(`[selfj/native] building the native addon (SELFJ_CUDA=${cuda}; this can take a minute)...`);
const common = ['--config', 'Release'];
run(['configure', ...common, `--CDSELFJ_CUDA=${cuda}`, '--CDCMAKE_BUILD_TYPE=Release']);
run(['build', ...common, '--parallel', '2']);
if (!existsSync(binary)) fail(`the build finished but ${binary} is missing`);
for (const m of ['AUTO', 'ON', 'OFF']) if (m !== cuda) rmSync(join(root, 'build', `.selfj-cuda-${m}`), { force: true });
writeFileSync(stampMode, new Date().toISOString());
console.log(`[selfj/native] built ${binary} (SELFJ_CUDA=${cuda})`);
copyPrebuilt();
