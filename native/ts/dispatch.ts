/**
 * Dispatch by measurement: each kernel runs on whichever ISA was fastest on this machine (AVX-512 is not always
 * faster than AVX2: Zen 4/5 split 512-bit work differently from Intel). The addon times every candidate on a small
 * problem (tuneKernels, bounded well under 100 ms); the choice is cached per machine (CPU model, flags, addon
 * version and file) in the user cache directory, so later processes only read one small file.
 * SELFJ_NATIVE_ISA forces one ISA for every kernel; SELFJ_NATIVE_TUNE=0 skips the measurement (widest ISA).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RawAddon } from './loader.js';
import type { DispatchInfo, KernelName } from './types.js';

export const KERNEL_NAMES: readonly KernelName[] = ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'];
/** Timed rounds per candidate (the fastest one counts) and the CPU time after which no new round starts. */
const TUNE_REPS = 10;
const TUNE_BUDGET_MS = 50;
export const CACHE_FORMAT = 1;

/** XDG_CACHE_HOME/selfj or ~/.cache/selfj; SELFJ_NATIVE_CACHE_DIR overrides (the tests point it at a temp dir). */
export function dispatchCacheDir(): string {
  if (process.env.SELFJ_NATIVE_CACHE_DIR) return path.resolve(process.env.SELFJ_NATIVE_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME ? path.resolve(process.env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(base, 'selfj');
}

function cpuFlags(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
    if (line) return line.split(':')[1].trim().split(/\s+/).sort().join(' ');
  } catch {
    // not Linux: the model name and architecture stand in for the flags
  }
  return `${os.arch()} ${os.platform()}`;
}

/** What a measured choice depends on: the machine (CPU model and flags) and the addon (version and file). */
export function machineKey(addonPath: string | undefined, version: string): { machine: string; addon: string } {
  let file = 'unknown';
  try {
    if (addonPath) {
      const st = statSync(addonPath);
      file = `${st.size}:${Math.round(st.mtimeMs)}`;
    }
  } catch {
    // keyed without the file
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  return { machine: `${cpu} | ${createHash('sha256').update(cpuFlags()).digest('hex').slice(0, 16)}`, addon: `${version} | ${file}` };
}

/** The cache file name of one machine (its key from machineKey), in dispatchCacheDir(). */
export function cacheFileName(machine: string): string {
  return `native-dispatch-${createHash('sha256').update(machine).digest('hex').slice(0, 16)}.json`;
}

export interface CacheEntry {
  kernels: Record<string, string>;
  timingsMs: Record<string, Record<string, number>>;
  measuredAt: string;
}
/** One file per machine; one entry per addon build (a few kept, so alternating builds do not measure each time). */
export interface CacheFile {
  format: number;
  machine: string;
  entries: Record<string, CacheEntry>;
}
const MAX_ENTRIES = 8;

function readCache(file: string, machine: string): CacheFile | null {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    return c.format === CACHE_FORMAT && c.machine === machine && typeof c.entries === 'object' && c.entries ? c : null;
  } catch {
    return null; // missing or unreadable: measure again
  }
}

function usable(e: CacheEntry | undefined, isas: string[]): e is CacheEntry {
  return !!e && KERNEL_NAMES.every((k) => isas.includes(e.kernels?.[k]));
}

function writeCache(file: string, machine: string, addonKey: string, entry: CacheEntry): string | undefined {
  try {
    const entries = { ...(readCache(file, machine)?.entries ?? {}), [addonKey]: entry };
    const keep = Object.entries(entries).sort((x, y) => y[1].measuredAt.localeCompare(x[1].measuredAt)).slice(0, MAX_ENTRIES);
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ format: CACHE_FORMAT, machine, entries: Object.fromEntries(keep) }, null, 2)}\n`);
    renameSync(tmp, file); // atomic: a concurrent reader sees the old file or the new one
    return undefined;
  } catch (e) {
    return `could not write ${file}: ${(e as Error).message}`;
  }
}

/** Picks and applies each kernel's ISA (never throws: on any failure the addon keeps its widest ISA). */
export function applyDispatch(addon: RawAddon, addonPath: string | undefined): DispatchInfo {
  const info = addon.info();
  const current = (): Record<KernelName, string> => ({ ...(addon.info().kernels ?? {}) }) as Record<KernelName, string>;
  if (typeof addon.tuneKernels !== 'function' || typeof addon.setKernelIsa !== 'function' || !info.kernels) {
    return { source: 'unavailable', kernels: current(), reason: 'this addon build has no per-kernel dispatch' };
  }
  if (info.forcedIsa) return { source: 'forced', kernels: current(), reason: `SELFJ_NATIVE_ISA=${info.forcedIsa}` };
  if (process.env.SELFJ_NATIVE_TUNE === '0') return { source: 'off', kernels: current(), reason: 'SELFJ_NATIVE_TUNE=0' };
  const isas = info.isas ?? [info.isa];
  const key = machineKey(addonPath, info.version ?? 'unknown');
  const file = path.join(dispatchCacheDir(), cacheFileName(key.machine));
  const cached = readCache(file, key.machine)?.entries[key.addon];
  try {
    if (usable(cached, isas)) {
      for (const k of KERNEL_NAMES) addon.setKernelIsa(k, cached.kernels[k]);
      return { source: 'cache', kernels: current(), timingsMs: cached.timingsMs, cacheFile: file };
    }
    const t = addon.tuneKernels(TUNE_REPS, TUNE_BUDGET_MS);
    const chosen = {} as Record<KernelName, string>;
    for (const k of KERNEL_NAMES) {
      const times = Object.entries(t.ms[k] ?? {}).sort((x, y) => x[1] - y[1]);
      chosen[k] = times[0]?.[0] ?? info.isa;
      addon.setKernelIsa(k, chosen[k]);
    }
    // Timed while other processes held the cores (under half of the wall time on this thread's CPU): too noisy to
    // keep; the next process measures again.
    const share = t.cpuMs !== undefined && t.totalMs > 0 ? t.cpuMs / t.totalMs : 1;
    const note = share < 0.5
      ? `not cached: measured under load (${Math.round(share * 100)}% of the wall time on a CPU)`
      : writeCache(file, key.machine, key.addon, { kernels: chosen, timingsMs: t.ms, measuredAt: new Date().toISOString() });
    return { source: 'measured', kernels: current(), timingsMs: t.ms, tuneMs: t.totalMs, tuneCpuMs: t.cpuMs, cacheFile: file,
      ...(note ? { reason: note } : {}) };
  } catch (e) {
    return { source: 'unavailable', kernels: current(), reason: `measurement failed: ${(e as Error).message}` };
  }
}
