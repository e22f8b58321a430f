// Dispatch by measurement, in child processes (the choice is made once per process, at load): the first process
// times each kernel on each ISA and caches the fastest per machine and addon build, even under load; later ones read
// the cache; a process that measured but lost the race to write it adopts the winner's choice; only
// SELFJ_NATIVE_TUNE=force replaces it; SELFJ_NATIVE_ISA and SELFJ_NATIVE_TUNE=0 override; a bad cache is measured
// again; a mixed per-kernel choice gives reference results.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CACHE_FORMAT, KERNEL_NAMES, applyDispatch, dispatchCacheFile, type CacheEntry } from '../ts/dispatch.js';
import type { RawAddon } from '../ts/loader.js';
import type { DispatchInfo, KernelName, NativeInfo } from '../ts/types.js';
import { childJson, needAddon, runFixture } from './helpers.js';

interface Out {
  info: NativeInfo & { dispatch: DispatchInfo };
  stderr: string;
}
const freshDir = () => mkdtempSync(path.join(tmpdir(), 'selfj-dispatch-'));
const loadWithStderr = (dir: string, env: Record<string, string> = {}): Out => {
  const r = runFixture('loader-child.mjs', { SELFJ_NATIVE_CACHE_DIR: dir, SELFJ_NATIVE_BACKEND: 'cpu', ...env });
  return { ...childJson<Out>(r), stderr: r.stderr };
};
const load = (dir: string, env: Record<string, string> = {}) => loadWithStderr(dir, env).info;
const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => /^native-dispatch-.*\.json$/.test(f));
const readCached = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as CacheEntry;

function entryFor(machine: string, addon: string, kernels: Record<string, string>): CacheEntry {
  const timingsMs = Object.fromEntries(KERNEL_NAMES.map((k) => [k, { [kernels[k]]: 1 }]));
  return { format: CACHE_FORMAT, machine, addon, kernels: kernels as Record<KernelName, string>, timingsMs,
    measuredAt: new Date().toISOString(), tuneMs: 1, cpuShare: 1, underLoad: false, pid: 1, forced: false };
}

/** Writes the cache file a measurement on this machine would have written (the format of ts/dispatch-cache.ts). */
function seedCache(dir: string, kernels: Record<string, string>): { file: string; info: NativeInfo } {
  const info = load(dir, { SELFJ_NATIVE_TUNE: '0' }); // where the addon is, and its version, without measuring
  const prev = process.env.SELFJ_NATIVE_CACHE_DIR;
  process.env.SELFJ_NATIVE_CACHE_DIR = dir;
  try {
    const { file, machine, addon } = dispatchCacheFile(info.addonPath, info.version ?? 'unknown');
    writeFileSync(file, JSON.stringify(entryFor(machine, addon, kernels)));
    return { file, info };
  } finally {
    process.env.SELFJ_NATIVE_CACHE_DIR = prev;
  }
}

describe('dispatch by measurement', () => {
  it('first use: times every kernel on every SIMD ISA (under 100 ms of CPU), runs the fastest, caches it, load or not', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const info = load(dir);
    const d = info.dispatch;
    expect(d.source).toBe('measured');
    expect(d.reason).toBeUndefined();
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
    // Cached whatever the load, and the load is recorded: in the file and in info().
    expect(cacheFiles(dir)).toHaveLength(1);
    const saved = readCached(path.join(dir, cacheFiles(dir)[0]));
    expect(path.join(dir, cacheFiles(dir)[0])).toBe(d.cacheFile);
    expect(saved.kernels).toEqual(d.kernels);
    expect(saved.addon).toMatch(/sha256:[0-9a-f]{64}$/);
    expect(saved.cpuShare).toBeCloseTo((d.tuneCpuMs ?? 0) / (d.tuneMs ?? 1), 6);
    expect(saved.underLoad).toBe(saved.cpuShare < 0.5);
    expect(d.underLoad).toBe(saved.underLoad);
    expect(d.cpuShare).toBe(saved.cpuShare);
    expect(saved.pid).toBeGreaterThan(0);
    expect(saved.forced).toBe(false);
  });

  it('a later process reads the cache and measures nothing, even when the cached measurement was under load', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const kernels = Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa]));
    const { file } = seedCache(dir, kernels);
    writeFileSync(file, JSON.stringify({ ...readCached(file), cpuShare: 0.2, underLoad: true }));
    const d = load(dir).dispatch;
    expect(d.source).toBe('cache');
    expect(d.tuneMs).toBeUndefined();
    expect(d.kernels).toEqual(kernels);
    expect(d.underLoad).toBe(true);
    expect(d.cpuShare).toBe(0.2);
  });

  it('copies of one addon build share one choice (keyed by content, not by path or time)', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const { info } = seedCache(dir, Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa])));
    const copy = path.join(freshDir(), 'copy.node');
    writeFileSync(copy, readFileSync(info.addonPath ?? ''));
    const d = load(dir, { SELFJ_NATIVE_PATH: copy }).dispatch;
    expect(d.source).toBe('cache');
    expect(cacheFiles(dir)).toHaveLength(1);
  });

  it('a corrupt cache, or one naming an ISA this CPU lacks, is measured again and replaced', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const { file } = seedCache(dir, Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa])));
    writeFileSync(file, '{ not json');
    const d = load(dir).dispatch;
    expect(d.source).toBe('measured');
    expect(d.reason).toMatch(/replaced a cache file that was not valid JSON/);
    expect(readCached(file).kernels).toEqual(d.kernels);
    const bad = seedCache(freshDir(), Object.fromEntries(KERNEL_NAMES.map((k) => [k, k === 'cosineRows' ? 'avx1024' : raw.info().isa])));
    const d2 = load(path.dirname(bad.file)).dispatch;
    expect(d2.source).toBe('measured');
    expect(d2.reason).toMatch(/no usable ISA for cosineRows/);
    expect(load(path.dirname(bad.file)).dispatch.source).toBe('cache');
  });

  it('only SELFJ_NATIVE_TUNE=force replaces a cached choice', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    // scalar is never a candidate where a SIMD ISA runs: a measurement cannot pick it, so it shows what was replaced.
    const simd = (raw.info().isas ?? []).filter((i) => i !== 'scalar');
    if (!simd.length) ctx.skip('this CPU has no SIMD ISA: scalar is the only choice, so a replacement cannot show');
    const { file } = seedCache(dir, Object.fromEntries(KERNEL_NAMES.map((k) => [k, 'scalar'])));
    expect(Object.values(load(dir).kernels ?? {})).toEqual(Array(4).fill('scalar'));
    const forced = load(dir, { SELFJ_NATIVE_TUNE: 'force' }).dispatch;
    expect(forced.source).toBe('measured');
    expect(forced.reason).toMatch(/SELFJ_NATIVE_TUNE=force/);
    expect(Object.values(forced.kernels).every((isa) => simd.includes(isa))).toBe(true);
    const saved = readCached(file);
    expect(saved.kernels).toEqual(forced.kernels);
    expect(saved.forced).toBe(true);
    const after = load(dir).dispatch;
    expect(after.source).toBe('cache');
    expect(after.kernels).toEqual(forced.kernels);
  });

  it('an unknown SELFJ_NATIVE_TUNE value warns once and keeps the cached choice', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    const kernels = Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa]));
    seedCache(dir, kernels);
    const out = loadWithStderr(dir, { SELFJ_NATIVE_TUNE: 'forse' });
    expect(out.info.dispatch.source).toBe('cache');
    expect(out.info.dispatch.kernels).toEqual(kernels);
    expect(out.stderr.match(/ignoring SELFJ_NATIVE_TUNE=forse/g)).toHaveLength(1);
    // the warning lists every value tuneMode() accepts
    const line = out.stderr.split('\n').find((l) => l.includes('ignoring SELFJ_NATIVE_TUNE=forse')) ?? '';
    const listed = line.slice(line.indexOf('(expected'));
    for (const v of ['unset', '1', 'auto', '0', 'off', 'force']) expect(listed).toMatch(new RegExp(`\\b${v}\\b`));
  });

  it('SELFJ_NATIVE_ISA overrides the cache; SELFJ_NATIVE_TUNE=0 skips the measurement', (ctx) => {
    const raw = needAddon(ctx);
    const dir = freshDir();
    seedCache(dir, Object.fromEntries(KERNEL_NAMES.map((k) => [k, raw.info().isa])));
    const forced = load(dir, { SELFJ_NATIVE_ISA: 'scalar' });
    expect(forced.dispatch.source).toBe('forced');
    expect(forced.forcedIsa).toBe('scalar');
    expect(forced.isas).toEqual(raw.info().isas);
    expect(Object.values(forced.kernels ?? {})).toEqual(['scalar', 'scalar', 'scalar', 'scalar']);
    const off = load(freshDir(), { SELFJ_NATIVE_TUNE: '0' });
    expect(off.dispatch.source).toBe('off');
    expect(off.forcedIsa).toBeUndefined();
    expect(Object.values(off.kernels ?? {})).toEqual(Array(4).fill(raw.info().isa));
  });

  it('an unwritable cache directory still measures and says why nothing was saved', (ctx) => {
    needAddon(ctx);
    const notADir = path.join(freshDir(), 'file');
    writeFileSync(notADir, 'x');
    const d = load(path.join(notADir, 'sub')).dispatch;
    expect(d.source).toBe('measured');
    expect(d.reason).toMatch(/could not write .*every process on this machine measures for itself/);
  });

  it('a process that measured but lost the race to write the cache adopts the winner\'s choice', (ctx) => {
    const raw = needAddon(ctx);
    const simd = (raw.info().isas ?? []).filter((i) => i !== 'scalar');
    if (!simd.length) ctx.skip('this CPU has no SIMD ISA: every measurement picks scalar, so the two choices cannot differ');
    const dir = freshDir();
    const prev = process.env.SELFJ_NATIVE_CACHE_DIR;
    process.env.SELFJ_NATIVE_CACHE_DIR = dir;
    try {
      // The real addon, whose measurement finishes only after another process (simulated: the file written while
      // this one measures) cached a different choice: scalar everywhere, which no measurement picks.
      const { file, machine, addon: build } = dispatchCacheFile(undefined, raw.info().version ?? 'unknown');
      const winner = entryFor(machine, build, Object.fromEntries(KERNEL_NAMES.map((k) => [k, 'scalar'])));
      const racing: RawAddon = Object.create(raw) as RawAddon;
      racing.tuneKernels = (reps, budget) => {
        const t = raw.tuneKernels!(reps, budget);
        writeFileSync(file, JSON.stringify(winner));
        return t;
      };
      const d = applyDispatch(racing, undefined);
      expect(d.source).toBe('cache');
      expect(d.reason).toMatch(/measured too .* another process cached its measurement first: using its choice/);
      expect(d.kernels).toEqual(winner.kernels);
      expect(raw.info().kernels).toEqual(winner.kernels); // applied to the addon, before any kernel call
      expect(readCached(file).pid).toBe(winner.pid); // and the winner's file is left as it was
    } finally {
      process.env.SELFJ_NATIVE_CACHE_DIR = prev;
      for (const k of KERNEL_NAMES) raw.setKernelIsa?.(k, raw.info().isa);
    }
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
