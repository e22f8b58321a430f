// Dispatch by measurement, in child processes (the choice is made once per process, at load): the first process
// times each kernel on each ISA and caches the fastest per machine; later ones read the cache; SELFJ_NATIVE_ISA and
// SELFJ_NATIVE_TUNE=0 override; a bad cache is measured again; a mixed per-kernel choice gives reference results.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES, machineKey } from '../ts/dispatch.js';
import type { DispatchInfo, NativeInfo } from '../ts/types.js';
import { ADDON_PATH, childJson, needAddon, runFixture } from './helpers.js';

interface Out {
  info: NativeInfo & { dispatch: DispatchInfo; isas?: string[] };
}
const freshDir = () => mkdtempSync(path.join(tmpdir(), 'selfj-dispatch-'));
const load = (dir: string, env: Record<string, string> = {}) =>
  childJson<Out>(runFixture('loader-child.mjs', { SELFJ_NATIVE_CACHE_DIR: dir, SELFJ_NATIVE_BACKEND: 'cpu', ...env })).info;
const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => /^native-dispatch-.*\.json$/.test(f));

describe('dispatch by measurement', () => {
  it('first use: times every kernel on every SIMD ISA (under 100 ms), runs the fastest, caches it', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const info = load(dir);
    const d = info.dispatch;
    expect(d.source).toBe('measured');
    expect(d.tuneMs).toBeGreaterThan(0);
    expect(d.tuneMs).toBeLessThan(100);
    const simd = (raw.info().isas ?? []).filter((i) => i !== 'scalar');
    const candidates = simd.length ? simd : ['scalar'];
    for (const k of KERNEL_NAMES) {
      const t = d.timingsMs?.[k] ?? {};
      expect(Object.keys(t).sort()).toEqual([...candidates].sort());
      const fastest = Object.entries(t).sort((x, y) => x[1] - y[1])[0][0];
      expect(d.kernels[k]).toBe(fastest);
      expect(info.kernels?.[k]).toBe(fastest);
    }
    const files = cacheFiles(dir);
    expect(files.length).toBe(1);
    const saved = JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8'));
    const key = machineKey(ADDON_PATH, raw.info().version ?? 'unknown');
    expect(saved.machine).toBe(key.machine);
    expect(saved.entries[key.addon].kernels).toEqual(d.kernels);
  });

  it('a second process reads the cache and measures nothing', (ctx) => {
    needAddon(ctx);
    const dir = freshDir();
    const first = load(dir).dispatch;
    const second = load(dir).dispatch;
    expect(second.source).toBe('cache');
    expect(second.tuneMs).toBeUndefined();
    expect(second.kernels).toEqual(first.kernels);
    expect(second.timingsMs).toEqual(first.timingsMs);
  });

  it('a corrupt cache, or one naming an ISA this CPU lacks, is measured again', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    load(dir);
    const file = path.join(dir, cacheFiles(dir)[0]);
    writeFileSync(file, '{ not json');
    expect(load(dir).dispatch.source).toBe('measured');
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const key = machineKey(ADDON_PATH, raw.info().version ?? 'unknown');
    saved.entries[key.addon].kernels.cosineRows = 'avx1024';
    writeFileSync(file, JSON.stringify(saved));
    expect(load(dir).dispatch.source).toBe('measured');
  });

  it('SELFJ_NATIVE_ISA overrides the cache; SELFJ_NATIVE_TUNE=0 skips the measurement', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    load(dir);
    const forced = load(dir, { SELFJ_NATIVE_ISA: 'scalar' });
    expect(forced.dispatch.source).toBe('forced');
    expect(Object.values(forced.kernels ?? {})).toEqual(['scalar', 'scalar', 'scalar', 'scalar']);
    const off = load(freshDir(), { SELFJ_NATIVE_TUNE: '0' });
    expect(off.dispatch.source).toBe('off');
    expect(Object.values(off.kernels ?? {})).toEqual(Array(4).fill(raw.info().isa));
  });

  it('an unwritable cache directory still measures and says why nothing was saved', (ctx) => {
    needAddon(ctx);
    const notADir = path.join(freshDir(), 'file');
    writeFileSync(notADir, 'x');
    const d = load(path.join(notADir, 'sub')).dispatch;
    expect(d.source).toBe('measured');
    expect(d.reason).toMatch(/could not write/);
  });

  it('a mixed per-kernel choice (from the cache) is applied and agrees with the reference', (ctx) => {
    const raw = needAddon(ctx);
    const isas = raw.info().isas ?? [raw.info().isa];
    const dir = freshDir();
    load(dir);
    const file = path.join(dir, cacheFiles(dir)[0]);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const key = machineKey(ADDON_PATH, raw.info().version ?? 'unknown');
    const mixed = Object.fromEntries(KERNEL_NAMES.map((k, i) => [k, isas[i % isas.length]]));
    saved.entries[key.addon].kernels = mixed;
    writeFileSync(file, JSON.stringify(saved));
    const out = childJson<{ info: NativeInfo; failed: unknown[]; count: number }>(
      runFixture('compare-child.mjs', { SELFJ_NATIVE_CACHE_DIR: dir, SELFJ_NATIVE_BACKEND: 'cpu' }));
    expect(out.info.kernels).toEqual(mixed);
    expect(out.info.dispatch?.source).toBe('cache');
    expect(out.count).toBeGreaterThan(100);
    expect(out.failed).toEqual([]);
  });
});
