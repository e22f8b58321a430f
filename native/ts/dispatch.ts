/**
 * Dispatch by measurement: each kernel runs on whichever ISA was fastest on this machine (AVX-512 is not always
 * faster than AVX2: Zen 4/5 split 512-bit work differently from Intel). The first process on a machine times every
 * candidate on a small problem (tuneKernels, bounded well under 100 ms of CPU) and caches the choice, under load or
 * not; every later process uses that choice. The ISAs round differently (another reduction order), so one choice per
 * machine is what keeps a resumed stage byte-identical to an uninterrupted one: processes that measure at the same
 * time race to create the cache file, and the losers adopt the winner's choice before any kernel runs.
 * SELFJ_NATIVE_ISA forces one ISA for every kernel; SELFJ_NATIVE_TUNE=0 skips the measurement (widest ISA);
 * SELFJ_NATIVE_TUNE=force measures again and replaces the cached choice.
 */
import path from 'node:path';
import { addonDigest } from './candidates.js';
import {
  CACHE_FORMAT, KERNEL_NAMES, addonId, cacheFileName, createExclusive, dispatchCacheDir, machineId, pruneOldBuilds, readEntry, removeBad,
  replaceEntry, type CacheEntry,
} from './dispatch-cache.js';
import type { DispatchInfo, KernelName, RawAddon } from './types.js';

export { CACHE_FORMAT, KERNEL_NAMES, addonId, cacheFileName, dispatchCacheDir, machineId, type CacheEntry } from './dispatch-cache.js';

/** Timed rounds per candidate (the fastest one counts) and the CPU time after which no new round starts. */
const TUNE_REPS = 10;
const TUNE_BUDGET_MS = 50;
/** Below this share of its wall time on a CPU, a measurement is marked as taken under load. */
const LOADED_SHARE = 0.5;

/** SELFJ_NATIVE_TUNE: unset (or 1/auto) = use the cached choice or measure once; 0 = widest ISA; force = measure again. */
export type TuneMode = 'auto' | 'off' | 'force';
export function tuneMode(): TuneMode | { invalid: string } {
  const v = (process.env.SELFJ_NATIVE_TUNE ?? '').trim().toLowerCase();
  if (v === '' || v === '1' || v === 'auto') return 'auto';
  if (v === '0' || v === 'off') return 'off';
  if (v === 'force') return 'force';
  return { invalid: v };
}
/** Every value tuneMode() accepts, for the message about one it does not. */
export const TUNE_VALUES = 'unset, 1 or auto (cached choice), 0 or off (widest ISA), force (measure again)';

/** The cache file for this machine and addon build. */
export function dispatchCacheFile(addonPath: string | undefined, version: string): { file: string; machine: string; addon: string } {
  const machine = machineId();
  const addon = addonId(version, addonPath ? addonDigest(addonPath) : 'unknown');
  return { file: path.join(dispatchCacheDir(), cacheFileName(machine, addon)), machine, addon };
}

function fromEntry(e: CacheEntry): Pick<DispatchInfo, 'timingsMs' | 'measuredAt' | 'underLoad' | 'cpuShare'> {
  return { timingsMs: e.timingsMs, measuredAt: e.measuredAt, underLoad: e.underLoad, cpuShare: e.cpuShare };
}

/** Picks and applies each kernel's ISA (never throws: on any failure the addon keeps its widest ISA). */
export function applyDispatch(addon: RawAddon, addonPath: string | undefined): DispatchInfo {
  const info = addon.info();
  const current = (): Record<KernelName, string> => ({ ...(addon.info().kernels ?? {}) }) as Record<KernelName, string>;
  if (typeof addon.tuneKernels !== 'function' || typeof addon.setKernelIsa !== 'function' || !info.kernels) {
    return { source: 'unavailable', kernels: current(), reason: 'this addon build has no per-kernel dispatch' };
  }
  if (info.forcedIsa) return { source: 'forced', kernels: current(), reason: `SELFJ_NATIVE_ISA=${info.forcedIsa}` };
  const mode = tuneMode();
  if (mode === 'off') return { source: 'off', kernels: current(), reason: `SELFJ_NATIVE_TUNE=${process.env.SELFJ_NATIVE_TUNE}` };
  const note = typeof mode === 'object' ? `ignored SELFJ_NATIVE_TUNE=${mode.invalid} (expected ${TUNE_VALUES})` : undefined;
  const setKernelIsa = addon.setKernelIsa.bind(addon);
  const apply = (kernels: Record<KernelName, string>): void => {
    for (const k of KERNEL_NAMES) setKernelIsa(k, kernels[k]);
  };
  const reasons = (...r: (string | undefined)[]): { reason?: string } => {
    const s = [...r, note].filter(Boolean).join('; ');
    return s ? { reason: s } : {};
  };
  const isas = info.isas ?? [info.isa];
  try {
    const { file, machine, addon: build } = dispatchCacheFile(addonPath, info.version ?? 'unknown');
    const before = mode === 'force' ? null : readEntry(file, machine, build, isas);
    if (before && 'entry' in before) {
      apply(before.entry.kernels);
      return { source: 'cache', kernels: current(), ...fromEntry(before.entry), cacheFile: file, ...reasons() };
    }
    const t = addon.tuneKernels(TUNE_REPS, TUNE_BUDGET_MS);
    const chosen = {} as Record<KernelName, string>;
    for (const k of KERNEL_NAMES) chosen[k] = Object.entries(t.ms[k] ?? {}).sort((x, y) => x[1] - y[1])[0]?.[0] ?? info.isa;
    const cpuShare = t.cpuMs !== undefined && t.totalMs > 0 ? Math.min(1, t.cpuMs / t.totalMs) : 1;
    const entry: CacheEntry = {
      format: CACHE_FORMAT, machine, addon: build, kernels: chosen, timingsMs: t.ms, measuredAt: new Date().toISOString(), tuneMs: t.totalMs,
      ...(t.cpuMs !== undefined ? { tuneCpuMs: t.cpuMs } : {}), cpuShare, underLoad: cpuShare < LOADED_SHARE, pid: process.pid,
      forced: mode === 'force',
    };
    const measured = (why?: string): DispatchInfo => {
      apply(chosen);
      return { source: 'measured', kernels: current(), ...fromEntry(entry), tuneMs: t.totalMs, tuneCpuMs: t.cpuMs, cacheFile: file,
        ...reasons(why) };
    };
    const adopt = (e: CacheEntry, why: string): DispatchInfo => {
      apply(e.kernels);
      return { source: 'cache', kernels: current(), ...fromEntry(e), cacheFile: file,
        ...reasons(`measured too (${Math.round(t.totalMs)} ms), but ${why}: using its choice, so that every process computes the same`) };
    };
    if (mode === 'force') {
      const failed = replaceEntry(file, entry);
      return measured(failed ?? 'SELFJ_NATIVE_TUNE=force: measured again, the cached choice replaced');
    }
    if (before && 'bad' in before) {
      // Another process may have replaced the bad file while this one measured: its choice is the one to share.
      const again = readEntry(file, machine, build, isas);
      if ('entry' in again) return adopt(again.entry, `the cache file was ${before.bad}; another process replaced it first`);
      if ('bad' in again) removeBad(file);
    }
    const created = createExclusive(file, entry);
    if (created === 'created') {
      pruneOldBuilds(path.dirname(file), machine);
      return measured(before && 'bad' in before ? `replaced a cache file that was ${before.bad}` : undefined);
    }
    if (created === 'exists') {
      const winner = readEntry(file, machine, build, isas);
      if ('entry' in winner) return adopt(winner.entry, 'another process cached its measurement first');
      return measured(`another process created ${file} first, but it is ${'bad' in winner ? winner.bad : 'gone'}: this process ` +
        'uses its own measurement, and processes on this machine may choose differently until it is fixed');
    }
    return measured(`${created.error}: nothing cached, so every process on this machine measures for itself and may ` +
      'choose differently (set SELFJ_NATIVE_CACHE_DIR to a writable directory)');
  } catch (e) {
    return { source: 'unavailable', kernels: current(), reason: `measurement failed: ${(e as Error).message}` };
  }
}
