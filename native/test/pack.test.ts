// The npm package installs anywhere: `npm pack`, then `npm install <tarball> --offline` into a temp project outside
// the workspace (an empty npm cache: the optional build tools cmake-js/node-addon-api are simply absent), and a
// kernel runs there on the shipped prebuilt. Then the same installed package builds itself from source (prebuilt
// hidden), with cmake-js and node-addon-api linked from the workspace, and the kernel runs on that build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prebuiltPath } from '../ts/candidates.js';
import { NATIVE_ROOT, addon, needAddon } from './helpers.js';

const work = mkdtempSync(path.join(tmpdir(), 'selfj-pack-'));
const app = path.join(work, 'app');
const installed = path.join(app, 'node_modules', '@selfj', 'native');
const run = (cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeout = 300_000) =>
  spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, ...env } });
const tail = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-15).join('\n');

// What the temp project runs: one kernel through the public API, plus where the addon came from.
const PROBE = `import * as n from '@selfj/native';
const a = Float32Array.of(1, 2, 3, 4, 0, 1), b = Float32Array.of(2, 4, 6, 1, 1, 0);
const r = n.cosineRows(a, b, 3);
process.stdout.write(JSON.stringify({ info: n.info(), r: Array.from(r), ref: Array.from(n.reference.cosineRows(a, b, 3)) }));`;

interface ProbeOut {
  info: { backend: string; addonPath?: string; fallbackReason?: string };
  r: number[];
  ref: number[];
}
function probe(env: Record<string, string> = {}): ProbeOut {
  const r = run(process.execPath, ['--input-type=module', '-e', PROBE], app, env);
  if (r.status !== 0) throw new Error(`probe failed (${r.status}):\n${tail(r)}`);
  return JSON.parse(r.stdout) as ProbeOut;
}

let tarball = '';
let packError = '';
beforeAll(() => {
  if (!addon) return;
  // The package's build script makes the prebuilt (a no-op rebuild when the addon is current).
  const b = run(process.execPath, [path.join(NATIVE_ROOT, 'scripts', 'build-addon.mjs')], NATIVE_ROOT);
  if (b.status !== 0) { packError = `build-addon failed:\n${tail(b)}`; return; }
  const p = run('npm', ['pack', '--pack-destination', work, '--json'], NATIVE_ROOT);
  if (p.status !== 0) { packError = `npm pack failed:\n${tail(p)}`; return; }
  tarball = path.join(work, (JSON.parse(p.stdout) as { filename: string }[])[0].filename);
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'selfj-pack-app', version: '1.0.0', private: true, type: 'module' }));
}, 600_000);

describe('npm package outside the workspace', () => {
  it('packs every build input and the versioned prebuilt', (ctx) => {
    needAddon(ctx);
    expect(packError).toBe('');
    const list = run('tar', ['-tzf', tarball], work).stdout.split('\n');
    for (const f of ['package.json', 'dist/index.js', 'scripts/install.mjs', 'scripts/build-addon.mjs', 'scripts/verify-addon.mjs',
      'scripts/prebuilt.mjs', 'CMakeLists.txt', 'cmake/cuda.cmake', 'src/binding.cc', 'src/kernels_impl.h', 'src/cuda/cuda_api.h']) {
      expect(list, f).toContain(`package/${f}`);
    }
    const pre = path.relative(NATIVE_ROOT, prebuiltPath());
    expect(pre).toMatch(/^prebuilds\/[a-z0-9]+-[a-z0-9]+\/selfj_native-v\d+\.\d+\.\d+[^/]*-napi8\.node$/);
    expect(list).toContain(`package/${pre}`);
    expect(list.some((f) => f.startsWith('package/test/') || f.startsWith('package/build/'))).toBe(false);
  });

  it('ships the TypeScript sources that its source maps point to', (ctx) => {
    needAddon(ctx);
    expect(packError).toBe('');
    const dir = path.join(work, 'unpacked');
    mkdirSync(dir);
    const x = run('tar', ['-xzf', tarball, '-C', dir], work);
    expect(x.status, tail(x)).toBe(0);
    const maps = readdirSync(path.join(dir, 'package', 'dist'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const missing = maps.flatMap((m) => {
      const file = path.join(dir, 'package', 'dist', m);
      const map = JSON.parse(readFileSync(file, 'utf8')) as { sourceRoot?: string; sources: string[] };
      return map.sources.map((s) => path.resolve(path.dirname(file), map.sourceRoot ?? '', s)).filter((s) => !existsSync(s))
        .map((s) => `${m} -> ${path.relative(dir, s)}`);
    });
    expect(missing).toEqual([]);
  });

  it('installs offline into a temp project and runs a kernel on the prebuilt', (ctx) => {
    needAddon(ctx);
    expect(packError).toBe('');
    const i = run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--cache', path.join(work, 'npm-cache')], app);
    expect(i.status, tail(i)).toBe(0);
    const out = probe();
    expect(out.info.backend, out.info.fallbackReason).toBe('cpu');
    expect(out.info.addonPath).toBe(path.join(installed, path.relative(NATIVE_ROOT, prebuiltPath())));
    out.r.forEach((v, k) => expect(Math.abs(v - out.ref[k])).toBeLessThan(1e-6));
  }, 300_000);

  it('builds from source there when the prebuilt is hidden (cmake-js and node-addon-api from the workspace)', (ctx) => {
    needAddon(ctx);
    if (!existsSync(installed)) ctx.skip('the offline install above did not happen');
    const req = createRequire(path.join(NATIVE_ROOT, 'package.json'));
    for (const dep of ['cmake-js', 'node-addon-api']) {
      symlinkSync(path.dirname(req.resolve(`${dep}/package.json`)), path.join(app, 'node_modules', dep), 'dir');
    }
    const hidden = { SELFJ_NATIVE_PREBUILDS: path.join(work, 'no-prebuilds') };
    const b = run(process.execPath, [path.join(installed, 'scripts', 'install.mjs')], app,
      { ...hidden, SELFJ_CUDA: 'OFF', SELFJ_NATIVE_REQUIRE: '1' }, 900_000);
    expect(b.status, tail(b)).toBe(0);
    expect(b.stdout).toContain('building from source');
    const out = probe(hidden);
    expect(out.info.backend, out.info.fallbackReason).toBe('cpu');
    expect(out.info.addonPath).toBe(path.join(installed, 'build', 'Release', 'selfj_native.node'));
    out.r.forEach((v, k) => expect(Math.abs(v - out.ref[k])).toBeLessThan(1e-6));
  }, 960_000);
});
