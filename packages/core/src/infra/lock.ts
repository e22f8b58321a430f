/**
 * One writer per artifact directory. A lock file created with O_EXCL holds the holder's pid, host, boot and
 * pid-namespace ids and start time; the holder rewrites it every few seconds (a heartbeat the file server stamps
 * with its own clock). A lock is stale, and may be broken, only when
 * - its holder ran on this very machine and pid namespace (same host name, boot id and pid namespace) and that
 *   pid is dead, or
 * - its heartbeat is older than a generous timeout, measured against the file server's clock (a probe file
 *   written now), so clock skew between machines does not matter.
 * Breaking a stale lock is itself serialised by a second O_EXCL file. What this relies on from a shared file
 * system (NFSv3+, Lustre, GPFS, CephFS): exclusive create is atomic, the server stamps mtime on write, and cached
 * attributes are younger than the timeout. docs/reliability.md explains it for users.
 *
 * proper-lockfile (mkdir + mtime) was considered: it records no holder, so it can neither name who holds the
 * lock nor free one whose holder is known dead at once.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SelfjError } from '../errors.js';
import type { Logger } from './logger.js';

export const LOCK_FILE = '.selfj.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** Linux boot id and pid-namespace inode: a pid means something only within one boot and namespace. */
  boot?: string;
  pidns?: string;
  startedAt: string;
  heartbeatAt: string;
  /** What holds it (e.g. "stage sample", "merge"). */
  purpose: string;
  token: string;
}

export interface DirLockOptions {
  purpose: string;
  /** Rewrite the lock file this often (default 10 s). */
  heartbeatMs?: number;
  /** A lock whose heartbeat is older than this is stale (default 10 min; env SELFJ_LOCK_STALE_MS). */
  staleMs?: number;
  /** Told (warn) when a stale lock is taken over. */
  logger?: Logger;
}

export interface DirLock {
  readonly path: string;
  readonly holder: LockHolder;
  /** Throws ARTIFACT_LOCKED when another process has taken the lock over (we were presumed dead). */
  check(): void;
  release(): void;
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

let machine: { boot?: string; pidns?: string } | undefined;
function machineIds() {
  if (!machine) {
    let pidns: string | undefined;
    try {
      pidns = String(statSync('/proc/self/ns/pid').ino);
    } catch {
      pidns = undefined;
    }
    machine = { boot: readOr('/proc/sys/kernel/random/boot_id'), pidns };
  }
  return machine;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` exclusively with `text`, fsynced; false when it exists. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined; // vanished, or caught half-written: treated as held (fresh) by the caller
  }
}

/** Age of `path` by the file server's clock: the mtime of a file written now minus the file's mtime. */
function serverAgeMs(dir: string, path: string): number | undefined {
  const probe = join(dir, `${LOCK_FILE}.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const then = statSync(path).mtimeMs;
    createExclusive(probe, 'probe');
    const now = statSync(probe).mtimeMs;
    return now - then;
  } catch {
    return undefined;
  } finally {
    try {
      unlinkSync(probe);
    } catch {
      /* already gone */
    }
  }
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid} on ${h.host} (${h.purpose}, since ${h.startedAt}, last heartbeat ${h.heartbeatAt})`;
}

function staleReason(dir: string, path: string, h: LockHolder | undefined, staleMs: number): string | undefined {
  const me = machineIds();
  if (h && h.host === hostname() && h.boot === me.boot && h.pidns === me.pidns && h.pid !== process.pid && !pidAlive(h.pid)) {
    return `its holder, pid ${h.pid} on this machine, is no longer running`;
  }
  const age = serverAgeMs(dir, path);
  if (age !== undefined && age > staleMs) return `its heartbeat is ${Math.round(age / 1000)} s old (timeout ${Math.round(staleMs / 1000)} s)`;
  return undefined;
}

function lockedError(dir: string, h: LockHolder | undefined, path: string): SelfjError {
  const who = h ? describeHolder(h) : 'a process that is still writing its lock file';
  return new SelfjError('ARTIFACT_LOCKED', `The artifact directory ${dir} is in use by ${who}.`, {
    solutions: [
      'Wait for that run to finish, or stop it (it resumes later without losing work)',
      'Use another --out directory for a parallel run (or --shard i/N to split one stage over several processes)',
      `If you are sure no process uses it (e.g. its machine is gone), delete ${path}`,
    ],
    details: { dir, holder: h },
  });
}

/**
 * Throws ARTIFACT_LOCKED when a live process holds `dir` (a stale lock passes). A cheap early check for
 * commands that spend minutes opening a model before the stage takes the lock; it does not take the lock.
 */
export function assertUnlocked(dir: string, options: Pick<DirLockOptions, 'staleMs'> = {}): void {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return;
  const h = readHolder(path);
  if (h?.pid === process.pid && h.host === hostname()) return;
  if (!staleReason(dir, path, h, options.staleMs ?? (Number(process.env.SELFJ_LOCK_STALE_MS) || 10 * 60_000))) throw lockedError(dir, h, path);
}

/** Takes the lock of `dir` or throws ARTIFACT_LOCKED naming the holder. */
export function lockDir(dir: string, options: DirLockOptions): DirLock {
  const path = join(dir, LOCK_FILE);
  const staleMs = options.staleMs ?? (Number(process.env.SELFJ_LOCK_STALE_MS) || 10 * 60_000);
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const now = new Date().toISOString();
  const holder: LockHolder = { pid: process.pid, host: hostname(), ...machineIds(), startedAt: now, heartbeatAt: now, purpose: options.purpose, token: randomBytes(12).toString('hex') };
  const text = () => `${JSON.stringify(holder)}\n`;

  if (!createExclusive(path, text())) {
    const h = readHolder(path);
    const reason = staleReason(dir, path, h, staleMs);
    if (!reason) throw lockedError(dir, h, path);
    breakStale(dir, path, h, staleMs);
    if (!createExclusive(path, text())) throw lockedError(dir, readHolder(path), path);
    options.logger?.warn('lock.stale-taken-over', { dir, reason, previous: h });
  }

  let lost: LockHolder | undefined;
  let released = false;
  const beat = () => {
    const h = readHolder(path);
    if (!h || h.token !== holder.token) {
      lost = h ?? lost ?? { ...holder, pid: -1, host: 'unknown', purpose: 'lock file removed' };
      return;
    }
    holder.heartbeatAt = new Date().toISOString();
    try {
      const fd = openSync(path, 'r+');
      try {
        const b = Buffer.from(text());
        writeSync(fd, b, 0, b.length, 0);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      /* transient I/O error: the next beat retries; the timeout is generous */
    }
  };
  const timer = setInterval(beat, heartbeatMs);
  timer.unref();
  return {
    path,
    holder,
    check() {
      if (lost) {
        throw new SelfjError('ARTIFACT_LOCKED', `Lost the lock of ${dir} to ${describeHolder(lost)}: stopping so that two runs never write one artifact.`, {
          solutions: ['A heartbeat was missed for longer than the stale timeout (a stalled or suspended process); raise SELFJ_LOCK_STALE_MS', 'Let the other run finish'],
          details: { dir, holder: lost },
        });
      }
    },
    release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const h = readHolder(path);
      if (h?.token === holder.token) unlinkSync(path);
    },
  };
}

/** Removes a stale lock, serialised by an O_EXCL break file so that two breakers cannot both remove fresh locks. */
function breakStale(dir: string, path: string, seen: LockHolder | undefined, staleMs: number): void {
  const brk = `${path}.break`;
  if (!createExclusive(brk, String(process.pid))) {
    // A breaker that died mid-break leaves its file: breaking takes milliseconds, so a minute-old one is dead.
    const age = serverAgeMs(dir, brk);
    if (age === undefined || age < Math.min(60_000, staleMs)) throw lockedError(dir, seen, path);
    try {
      unlinkSync(brk);
    } catch {
      /* another breaker removed it */
    }
    if (!createExclusive(brk, String(process.pid))) throw lockedError(dir, seen, path);
  }
  try {
    const now = readHolder(path);
    // Still the lock we judged stale (or an unreadable one we judged by age)? Then it may go.
    if (now?.token === seen?.token) {
      try {
        unlinkSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  } finally {
    unlinkSync(brk);
  }
}
