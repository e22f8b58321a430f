// Dispatch by measurement, in child processes (the choice is made once per process, at load): the first process
// times each kernel on each ISA and caches the fastest per machine; later ones read the cache; SELFJ_NATIVE_ISA and
// SELFJ_NATIVE_TUNE=0 override; a bad cache is measured again; a mixed per-kernel choice gives reference results.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_FORMAT, KERNEL_NAMES, cacheFileName, machineKey, type CacheFile } from '../ts/dispatch.js';
import type { DispatchInfo, NativeInfo } from '../ts/types.js';
import { childJson, needAddon, runFixture } from './helpers.js';

interface Out {
  info: NativeInfo & { dispatch: DispatchInfo };
}
const freshDir = () => mkdtempSync(path.join(tmpdir(), 'selfj-dispatch-'));
const load = (dir: string, env: Record<string, string> = {}) =>
  childJson<Out>(runFixture('loader-child.mjs', { SELFJ_NATIVE_CACHE_DIR: dir, SELFJ_NATIVE_BACKEND: 'cpu', ...env })).info;
const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => /^native-dispatch-.*\.json$/.test(f));
const BUSY = /not cached: measured under load/;

/** Writes the cache entry a measurement on this machine would have written (the format of ts/dispatch.ts). */
function seedCache(dir: string, kernels: Record<string, string>): { file: string; info: NativeInfo } {
  const info = load(dir, { SELFJ_NATIVE_TUNE: '0' }); // where the addon is, and its version, without measuring
  const key = machineKey(info.addonPath, info.version ?? 'unknown');
  const timingsMs = Object.fromEntries(KERNEL_NAMES.map((k) => [k, { [kernels[k]]: 1 }]));
  const data: CacheFile = { format: CACHE_FORMAT, machine: key.machine, entries: { [key.addon]: { kernels, timingsMs, measuredAt: new Date().toISOString() } } };
  const file = path.join(dir, cacheFileName(key.machine));
  writeFileSync(file, JSON.stringify(data));
  return { file, info };
}

describe('dispatch by measurement', () => {
  it('first use: times every kernel on every SIMD ISA (under 100 ms of CPU), runs the fastest, caches it', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const info = load(dir);
    const d = info.dispatch;
    expect(d.source).toBe('measured');
    expect(d.tuneMs).toBeGreaterThan(0);
    // Bounded in CPU time; the wall time also counts waiting for a core other processes hold.
    expect(d.tuneCpuMs).toBeGreaterThan(0);
    expect(d.tuneCpuMs).toBeLessThan(100);
    const simd = (raw.info().isas ?? []).filter((i) => i !== 'scalar');
    const candidates = simd.length ? simd : ['scalar'];
    for (const k of KERNEL_NAMES) {
      const t = d.timingsMs?.[k] ?? {};
      expect(Object.keys(t).sort()).toEqual([...candidates].sort());
      const fastest = Object.entries(t).sort((x, y) => x[1] - y[1])[0][0];
      expect(d.kernels[k]).toBe(fastest);
      expect(info.kernels?.[k]).toBe(fastest);
    }
    if (BUSY.test(d.reason ?? '')) ctx.skip(`measured and applied, but not cached on this busy machine (${d.reason})`);
    const files = cacheFiles(dir);
    expect(files.length).toBe(1);
    const saved = JSON.parse(readFileSync(path.join(dir, files[0]), 'utf8')) as CacheFile;
    const key = machineKey(info.addonPath, info.version ?? 'unknown');
    expect(saved.machine).toBe(key.machine);
    expect(saved.entries[key.addon].kernels).toEqual(d.kernels);
  });

  it('a later process reads the cache and measures nothing', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const kernels = Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa]));
    seedCache(dir, kernels);
    const d = load(dir).dispatch;
    expect(d.source).toBe('cache');
    expect(d.tuneMs).toBeUndefined();
    expect(d.kernels).toEqual(kernels);
  });

  it('a corrupt cache, or one naming an ISA this CPU lacks, is measured again', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const { file } = seedCache(dir, Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa])));
    writeFileSync(file, '{ not json');
    expect(load(dir).dispatch.source).toBe('measured');
    const bad = seedCache(freshDir(), Object.fromEntries(KERNEL_NAMES.map((k) => [k, k === 'cosineRows' ? 'avx1024' : raw.info().isa])));
    expect(load(path.dirname(bad.file)).dispatch.source).toBe('measured');
  });

  it('SELFJ_NATIVE_ISA overrides the cache; SELFJ_NATIVE_TUNE=0 skips the measurement', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    seedCache(dir, Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa])));
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
    expect(d.reason).toMatch(/could not write|not cached: measured under load/);
  });

  it('a mixed per-kernel choice (from the cache) is applied and agrees with the reference', (ctx) => {
    const raw = needAddon(ctx);
    const isas = raw.info().isas ?? [raw.info().isa];
    const mixed = Object.fromEntries(KERNEL_NAMES.map((k, i) => [k, isas[i % isas.length]]));
    const dir = freshDir();
    seedCache(dir, mixed);
    const out = childJson<{ info: NativeInfo; failed: unknown[]; count: number }>(
      runFixture('compare-child.mjs', { SELFJ_NATIVE_CACHE_DIR: dir, SELFJ_NATIVE_BACKEND: 'cpu' }));
    expect(out.info.kernels).toEqual(mixed);
    expect(out.info.dispatch?.source).toBe('cache');
    expect(out.count).toBeGreaterThan(100);
    expect(out.failed).toEqual([]);
  });
});
