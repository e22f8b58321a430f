// The loader chain in child processes: hidden/broken binaries fall back to the TS reference with ONE warning;
// SELFJ_NATIVE_BACKEND forces a backend; SELFJ_NATIVE_WARN=0 silences. The child loads dist/ (so this also checks
// that the default addon path resolves from dist/).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prebuiltPath } from '../ts/candidates.js';
import { ADDON_PATH, NATIVE_ROOT, childJson, needAddon, runFixture } from './helpers.js';

interface LoaderOut {
  info: { backend: string; isa: string; addonPath?: string; fallbackReason?: string; cudaDevice?: string };
  err: number;
  bandwidth: number | null;
}
const warnings = (stderr: string) => stderr.split('SelfjNativeWarning').length - 1;
const tmp = mkdtempSync(path.join(tmpdir(), 'selfj-native-loader-'));
const garbage = path.join(tmp, 'garbage.node');
writeFileSync(garbage, 'this is not a shared object\n');
const notAddon = path.join(tmp, 'not-addon.cjs');
writeFileSync(notAddon, 'module.exports = { hello: () => 1 };\n');

describe('fallback to the TS reference', () => {
  for (const [label, file, reason] of [
    ['missing file', path.join(tmp, 'missing.node'), /does not exist/],
    ['non-addon binary', garbage, /could not be loaded/],
    ['module that is not the addon', notAddon, /lacks cosineRows/],
  ] as const) {
    it(`SELFJ_NATIVE_PATH -> ${label}: one warning, backend js, right results`, () => {
      const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_PATH: file });
      const out = childJson<LoaderOut>(r);
      expect(out.info.backend).toBe('js');
      expect(out.info.fallbackReason).toMatch(reason);
      expect(out.err).toBeLessThan(1e-6);
      expect(out.bandwidth).toBeNull();
      expect(warnings(r.stderr)).toBe(1);
      expect(r.stderr).toContain(`SELFJ_NATIVE_PATH=${file}`);
      expect(r.stderr).toContain('Possible solutions:');
      expect(r.stderr).toContain('npm run build:addon -w @selfj/native');
      expect(r.stderr).toContain('SELFJ_NATIVE_BACKEND=js');
    });
  }

  it('SELFJ_NATIVE_BACKEND=cpu with a missing binary: warning naming the request, then js', () => {
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_BACKEND: 'cpu', SELFJ_NATIVE_PATH: path.join(tmp, 'nope.node') });
    expect(childJson<LoaderOut>(r).info.backend).toBe('js');
    expect(warnings(r.stderr)).toBe(1);
    expect(r.stderr).toContain('SELFJ_NATIVE_BACKEND=cpu needs the addon');
  });

  it('an unknown SELFJ_NATIVE_BACKEND value is reported and ignored (each problem warned once)', () => {
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_BACKEND: 'gpu', SELFJ_NATIVE_PATH: garbage });
    expect(childJson<LoaderOut>(r).info.backend).toBe('js');
    expect(r.stderr).toContain('ignoring SELFJ_NATIVE_BACKEND=gpu');
    expect(warnings(r.stderr)).toBe(2);
  });

  it('SELFJ_NATIVE_WARN=0 silences the warning', () => {
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_WARN: '0', SELFJ_NATIVE_PATH: garbage });
    expect(childJson<LoaderOut>(r).info.backend).toBe('js');
    expect(warnings(r.stderr)).toBe(0);
  });

  it('SELFJ_NATIVE_BACKEND=js: the reference, no warning, no addon loaded', () => {
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_BACKEND: 'js' });
    const out = childJson<LoaderOut>(r);
    expect(out.info).toMatchObject({ backend: 'js', isa: 'js', fallbackReason: 'SELFJ_NATIVE_BACKEND=js' });
    expect(warnings(r.stderr)).toBe(0);
  });
});

describe('with the built addon', () => {
  it('default: loads the prebuilt (else build/Release) from dist/ without a warning', (ctx) => {
    needAddon(ctx);
    const r = runFixture('loader-child.mjs');
    const out = childJson<LoaderOut>(r);
    expect(out.info.backend).not.toBe('js');
    expect(out.info.addonPath).toBe(existsSync(prebuiltPath()) ? prebuiltPath() : ADDON_PATH);
    expect(out.err).toBeLessThan(1e-5);
    expect(out.bandwidth).toBeGreaterThan(0);
    expect(warnings(r.stderr)).toBe(0);
  });

  it('SELFJ_NATIVE_PATH pointing at the real addon works', (ctx) => {
    needAddon(ctx);
    const out = childJson<LoaderOut>(runFixture('loader-child.mjs', { SELFJ_NATIVE_PATH: ADDON_PATH }));
    expect(out.info.backend).not.toBe('js');
  });

  it('SELFJ_NATIVE_BACKEND=cpu forces the CPU kernels', (ctx) => {
    needAddon(ctx);
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_BACKEND: 'cpu' });
    expect(childJson<LoaderOut>(r).info.backend).toBe('cpu');
    expect(warnings(r.stderr)).toBe(0);
  });

  it('SELFJ_NATIVE_BACKEND=cuda without a device: one warning, then cpu', (ctx) => {
    const raw = needAddon(ctx);
    if (raw.info().cudaDevice) ctx.skip('a CUDA device is present, so cuda is not a fallback case here');
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_BACKEND: 'cuda' });
    const out = childJson<LoaderOut>(r);
    expect(out.info.backend).toBe('cpu');
    expect(out.info.fallbackReason).toMatch(/CUDA/);
    expect(out.err).toBeLessThan(1e-5);
    expect(warnings(r.stderr)).toBe(1);
    expect(r.stderr).toContain('SELFJ_NATIVE_BACKEND=cuda requested');
  });
});

// A binary that kills the process that loads it (built for another CPU: SIGILL at load), made here with the C
// compiler. The loader tests each file in a child first, so the caller survives and moves on.
describe('each candidate is tested in a child process before use', () => {
  const crashDir = mkdtempSync(path.join(tmpdir(), 'selfj-native-crash-'));
  const crash = path.join(crashDir, 'crash.node');
  const src = path.join(crashDir, 'crash.c');
  writeFileSync(src, 'static void boom(void) __attribute__((constructor));\nstatic void boom(void) { __builtin_trap(); }\n');
  const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', crash, src], { encoding: 'utf8' });
  const noCc = cc.status === 0 ? '' : `cannot build the crashing test binary with cc: ${cc.error?.message ?? cc.stderr}`;

  it('SELFJ_NATIVE_PATH -> a binary that dies on load: the caller survives, one warning names the signal', (ctx) => {
    if (noCc) ctx.skip(noCc);
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_PATH: crash });
    const out = childJson<LoaderOut>(r);
    expect(out.info.backend).toBe('js');
    expect(out.info.fallbackReason).toMatch(/killed by SIGILL/);
    expect(warnings(r.stderr)).toBe(1);
    expect(r.stderr).toContain('instructions this CPU lacks');
  });

  it('a prebuilt that dies on load is skipped for the local build, without a warning', (ctx) => {
    if (noCc) ctx.skip(noCc);
    needAddon(ctx);
    const dir = mkdtempSync(path.join(tmpdir(), 'selfj-native-prebuilds-'));
    const fake = path.join(dir, path.relative(path.join(NATIVE_ROOT, 'prebuilds'), prebuiltPath()));
    mkdirSync(path.dirname(fake), { recursive: true });
    copyFileSync(crash, fake);
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_PREBUILDS: dir });
    const out = childJson<LoaderOut>(r);
    expect(out.info.backend).not.toBe('js');
    expect(out.info.addonPath).toBe(ADDON_PATH);
    expect(warnings(r.stderr)).toBe(0);
  });

  it('the warning tells how to build from source outside the repository too', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'selfj-native-none-'));
    const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_PATH: path.join(empty, 'none.node') });
    expect(childJson<LoaderOut>(r).info.backend).toBe('js');
    expect(r.stderr).toContain('npm rebuild @selfj/native');
    expect(r.stderr).toContain('npm install-scripts approve @selfj/native');
  });
});
