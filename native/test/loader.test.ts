// The loader chain in child processes: hidden/broken binaries fall back to the TS reference with ONE warning;
// SELFJ_NATIVE_BACKEND forces a backend; SELFJ_NATIVE_WARN=0 silences. The child loads dist/ (so this also checks
// that the default addon path resolves from dist/).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADDON_PATH, childJson, needAddon, runFixture } from './helpers.js';

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
    ['missing file', path.join(tmp, 'missing.node'), /could not be loaded/],
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
  it('default: loads build/Release from dist/ without a warning', (ctx) => {
    needAddon(ctx);
    const r = runFixture('loader-child.mjs');
    const out = childJson<LoaderOut>(r);
    expect(out.info.backend).not.toBe('js');
    expect(out.info.addonPath).toBe(ADDON_PATH);
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
