/**
 * The measured-dispatch cache on disk: one small JSON file per machine (CPU model and flags) and addon build (version
 * and content digest), in dispatchCacheDir(). The file is created exclusively (written to a temporary name, then
 * hard-linked to its final name, which fails when it exists), so when several processes measure at once exactly one
 * file wins and every process adopts it; it is only replaced on request (SELFJ_NATIVE_TUNE=force, by rename).
 */
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KernelName } from './types.js';

export const KERNEL_NAMES: readonly KernelName[] = ['cosineRows', 'cosineMatrix', 'judgeHeadForward', 'judgeHeadTrainStep'];
/** 2: one file per machine and addon build, first writer wins (1 kept several builds in one file, last writer won). */
export const CACHE_FORMAT = 2;
/** Files kept per machine (older addon builds beyond this are deleted when a new one is cached). */
const KEEP_BUILDS = 8;

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

const short = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** The machine a choice holds for: CPU model and a digest of its feature flags. */
export function machineId(): string {
  return `${os.cpus()[0]?.model ?? 'unknown'} | ${short(cpuFlags())}`;
}

/** The addon build a choice holds for: its version and the SHA-256 of the file (a copy of the same build matches). */
export function addonId(version: string, digest: string): string {
  return `${version} | sha256:${digest}`;
}

export function cacheFileName(machine: string, addon: string): string {
  return `native-dispatch-${short(machine)}-${short(addon)}.json`;
}

/** What one measurement chose, as stored. */
export interface CacheEntry {
  format: number;
  machine: string;
  addon: string;
  kernels: Record<KernelName, string>;
  /** Best ms per call of each kernel on each candidate ISA. */
  timingsMs: Record<string, Record<string, number>>;
  measuredAt: string;
  /** Wall and CPU time of the measurement, and their ratio (share of the wall time the measuring thread had a CPU). */
  tuneMs: number;
  tuneCpuMs?: number;
  cpuShare: number;
  /** Taken while other processes held the cores (cpuShare < 0.5): still the machine's choice, but noisier. */
  underLoad: boolean;
  /** The process that measured, and whether it replaced an earlier choice (SELFJ_NATIVE_TUNE=force). */
  pid: number;
  forced: boolean;
}

export type ReadResult = { entry: CacheEntry } | { missing: true } | { bad: string };

/** Reads one cache file; `bad` when it exists but is not a usable choice for this machine, build and ISA list. */
export function readEntry(file: string, machine: string, addon: string, isas: readonly string[]): ReadResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? { missing: true } : { bad: `unreadable: ${(e as Error).message}` };
  }
  try {
    const e = JSON.parse(text) as CacheEntry;
    if (e?.format !== CACHE_FORMAT || e.machine !== machine || e.addon !== addon) return { bad: 'written for another format, machine or build' };
    const missing = KERNEL_NAMES.filter((k) => !isas.includes(e.kernels?.[k]));
    return missing.length ? { bad: `no usable ISA for ${missing.join(', ')}` } : { entry: e };
  } catch {
    return { bad: 'not valid JSON' };
  }
}

const serialize = (e: CacheEntry): string => `${JSON.stringify(e, null, 2)}\n`;
const tmpName = (file: string): string => `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;

/**
 * Creates `file` holding `entry` unless it exists: 'created', 'exists' (another process was first), or an error
 * message. The content is complete before the name appears, so a reader never sees half a file.
 */
export function createExclusive(file: string, entry: CacheEntry): 'created' | 'exists' | { error: string } {
  const tmp = tmpName(file);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, serialize(entry));
    try {
      linkSync(tmp, file);
      return 'created';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return 'exists';
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    }
    // A file system without hard links: exclusive create and write (a reader may rarely see it half written and
    // measure for itself; the file is still the one choice later processes read).
    try {
      writeFileSync(file, serialize(entry), { flag: 'wx' });
      return 'created';
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw e;
    }
  } catch (e) {
    return { error: `could not write ${file}: ${(e as Error).message}` };
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
  }
}

/** Replaces `file` with `entry` (atomically: readers see the old choice or the new one). */
export function replaceEntry(file: string, entry: CacheEntry): string | undefined {
  const tmp = tmpName(file);
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, serialize(entry));
    renameSync(tmp, file);
    return undefined;
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
    return `could not write ${file}: ${(e as Error).message}`;
  }
}

/** Removes a file that holds no usable choice (gone already is fine). */
export function removeBad(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // removed by another process, or not removable: creating the new one reports it
  }
}

/** Keeps the KEEP_BUILDS most recent choices of this machine (one per addon build); never throws. */
export function pruneOldBuilds(dir: string, machine: string): void {
  try {
    const prefix = `native-dispatch-${short(machine)}-`;
    const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
      .map((f) => ({ f, t: statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(KEEP_BUILDS)) removeBad(path.join(dir, f));
  } catch {
    // a cache that cannot be listed is only a few files too many
  }
}
