import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE, assertUnlocked, lockDir, type LockHolder } from '../src/infra/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-lock-'));
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'slow-stage-child.mjs');
const DIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'infra', 'index.js');

interface ChildResult {
  ok: boolean;
  pid: number;
  code?: string;
  message?: string;
  written?: number;
}

function child(args: string[]): { pid: number; done: Promise<{ exit: number | null; signal: NodeJS.Signals | null; out?: ChildResult }> } {
  const c = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  c.stdout.on('data', (d) => (out += d));
  return {
    pid: c.pid!,
    done: new Promise((res) => c.on('close', (exit, signal) => res({ exit, signal, out: out.trim() ? (JSON.parse(out.trim().split('\n').pop()!) as ChildResult) : undefined }))),
  };
}

function input(dir: string, n: number): string {
  const f = join(dir, 'in.jsonl');
  writeFileSync(f, Array.from({ length: n }, (_, i) => JSON.stringify({ id: `r${i}`, x: i })).join('\n') + '\n');
  return f;
}

describe('artifact directory lock', () => {
  it('a second holder fails at once with ARTIFACT_LOCKED naming pid and host; release frees the directory', () => {
    const d = tmp();
    const a = lockDir(d, { purpose: 'stage test' });
    expect(existsSync(join(d, LOCK_FILE))).toBe(true);
    const held = JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')) as LockHolder;
    expect(held).toMatchObject({ pid: process.pid, host: hostname(), purpose: 'stage test' });
    let err: unknown;
    try {
      lockDir(d, { purpose: 'stage other' });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'ARTIFACT_LOCKED', details: { holder: { pid: process.pid, host: hostname() } } });
    expect((err as Error).message).toContain(`pid ${process.pid} on ${hostname()}`);
    // the early check (before a command opens its model) passes for the holder itself only
    expect(() => assertUnlocked(d)).not.toThrow();
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ ...held, pid: 999_999_999 + 1, host: 'gpu-node-3' }));
    expect(() => assertUnlocked(d)).toThrow(/in use by pid 1000000000 on gpu-node-3/);
    writeFileSync(join(d, LOCK_FILE), JSON.stringify(held));
    a.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    expect(() => assertUnlocked(d)).not.toThrow();
    lockDir(d, { purpose: 'again' }).release();
  });

  it('takes over a lock whose holder on this machine is dead (kill -9), at once', async () => {
    const d = tmp();
    // A real process takes the lock and is killed before it can release it.
    const c = spawn(process.execPath, ['--input-type=module', '-e', `import { lockDir } from ${JSON.stringify(DIST)}; lockDir(${JSON.stringify(d)}, { purpose: 'doomed' }); console.log('locked'); setInterval(() => {}, 1000);`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => c.stdout.on('data', (b) => String(b).includes('locked') && res()));
    c.kill('SIGKILL');
    await new Promise((res) => c.on('close', res));
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(c.pid);
    const warned: [string, Record<string, unknown> | undefined][] = [];
    const logger = { log() {}, info() {}, warn: (e: string, f?: Record<string, unknown>) => void warned.push([e, f]) };
    const l = lockDir(d, { purpose: 'successor', logger });
    expect(l.holder.pid).toBe(process.pid);
    expect(warned).toEqual([['lock.stale-taken-over', expect.objectContaining({ reason: `its holder, pid ${c.pid} on this machine, is no longer running` })]]);
    l.release();
   }, 30_000);

  it('does not take over a live holder on another host until its heartbeat is older than the timeout', () => {
    const d = tmp();
    const foreign: LockHolder = { pid: 1, host: 'other-node-7', startedAt: 'x', heartbeatAt: 'x', purpose: 'stage sample', token: 't' };
    writeFileSync(join(d, LOCK_FILE), JSON.stringify(foreign));
    expect(() => lockDir(d, { purpose: 'me', staleMs: 60_000 })).toThrow(/in use by pid 1 on other-node-7 \(stage sample/);
    // Its heartbeat stops: the file's mtime (the server's clock) falls behind by more than the timeout.
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(d, LOCK_FILE), old, old);
    const l = lockDir(d, { purpose: 'me', staleMs: 60_000 });
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    l.release();
  });

  it('a holder whose lock was broken stops instead of writing on (check throws)', async () => {
    const d = tmp();
    const a = lockDir(d, { purpose: 'slow', heartbeatMs: 20 });
    // Someone judged it stale and took over: the lock file now names another holder.
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: 4242, host: 'elsewhere', startedAt: 'x', heartbeatAt: 'x', purpose: 'successor', token: 'other' }));
    await new Promise((r) => setTimeout(r, 80));
    expect(() => a.check()).toThrow(/Lost the lock .* pid 4242 on elsewhere/);
    a.release(); // leaves the successor's lock alone
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).token).toBe('other');
  });

  it('two real processes on one stage directory: one fails at once naming the other, the other writes every record once', async () => {
    const d = tmp();
    const inp = input(d, 40);
    const out = join(d, 'out');
    const a = child([out, inp, '50']);
    await new Promise((r) => setTimeout(r, 300)); // the second starts while the first works (20 batches x 50 ms)
    const b = child([out, inp, '50']);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    const results = [ra, rb];
    const winner = results.find((r) => r.out?.ok);
    const loser = results.find((r) => r.out && !r.out.ok);
    expect(winner?.out?.written).toBe(40);
    expect(loser?.exit).toBe(2);
    expect(loser?.out?.code).toBe('ARTIFACT_LOCKED');
    expect(loser?.out?.message).toContain(`pid ${winner!.out!.pid} on ${hostname()}`);
    const keys = readFileSync(join(out, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).key);
    expect(keys).toEqual(Array.from({ length: 40 }, (_, i) => `r${i}`));
    expect(existsSync(join(out, LOCK_FILE))).toBe(false);
  }, 60_000);
});
