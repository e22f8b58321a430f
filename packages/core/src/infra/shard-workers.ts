/**
 * Running one stage's shards as local worker processes (one machine, several upstream servers), or printing the
 * commands for a scheduler to run. selfj schedules nothing beyond this: the workers are plain `selfj <stage>
 * --shard i/N` processes, each resumable, so a failed worker is simply started again.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError } from '../errors.js';
import { silentLogger, type Logger } from './logger.js';
import { shardDirName, type StageShard } from './shard.js';

export interface WorkerCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

export interface ShardWorkersOptions {
  count: number;
  /** The process for shard i of N (it must write that shard: e.g. `selfj sample ... --shard i/N`). */
  worker: (shard: StageShard) => WorkerCommand;
  /** Workers at once (default: all of them). */
  parallel?: number;
  /** Restarts of a failed worker (default 1); each restart resumes where the last one stopped. */
  retries?: number;
  /** One log file per shard (stdout + stderr of every attempt), e.g. <out>/logs. */
  logDir: string;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface ShardWorkerResult {
  shard: StageShard;
  attempts: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  log: string;
  seconds: number;
}

/** Round-robin: worker i talks to upstream i mod M (e.g. one vLLM replica per worker). */
export function upstreamFor(shard: StageShard, upstreams: string[]): string {
  if (!upstreams.length) throw new SelfjError('BAD_CONFIG', 'No upstream servers given.', { solutions: ['List at least one server URL'] });
  return upstreams[shard.index % upstreams.length];
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** POSIX shell quoting, for printed commands. */
export function shellQuote(arg: string): string {
  return arg !== '' && SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line of every shard, for a scheduler or a person: the argv, then `extra(shard)` (e.g. the shard's
 * upstream server), then `--shard i/N`.
 */
export function shardCommandLines(argv: string[], count: number, extra: (shard: StageShard) => string[] = () => []): string[] {
  return Array.from({ length: count }, (_, index) => [...argv, ...extra({ index, count }), '--shard', `${index}/${count}`].map(shellQuote).join(' '));
}

function runOnce(cmd: WorkerCommand, log: string, signal?: AbortSignal): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const fd = openSync(log, 'a');
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', fd, fd], env: { ...process.env, ...cmd.env } });
    // SIGTERM: a selfj stage finishes its current batch and exits; a rerun resumes.
    const stop = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', stop, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', stop);
      closeSync(fd);
      reject(new SelfjError('BAD_CONFIG', `Cannot start worker ${cmd.command}: ${e.message}`, { cause: e }));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', stop);
      closeSync(fd);
      resolve({ code, signal: sig });
    });
  });
}

/** Runs every shard's worker, restarting failed ones; throws naming the shards that still failed and their logs. */
export async function runShardWorkers(o: ShardWorkersOptions): Promise<ShardWorkerResult[]> {
  const logger = o.logger ?? silentLogger;
  if (!(Number.isInteger(o.count) && o.count >= 1)) throw new SelfjError('BAD_CONFIG', `Worker count must be a positive integer, got ${o.count}.`);
  mkdirSync(o.logDir, { recursive: true });
  const retries = o.retries ?? 1;
  const queue = Array.from({ length: o.count }, (_, index) => ({ index, count: o.count }));
  const results: ShardWorkerResult[] = [];
  const worker = async () => {
    for (let shard = queue.shift(); shard; shard = queue.shift()) {
      const t0 = Date.now();
      const log = join(o.logDir, `${shardDirName(shard)}.log`);
      let attempts = 0;
      let last: { code: number | null; signal: NodeJS.Signals | null } = { code: null, signal: null };
      while (attempts <= retries && !o.signal?.aborted) {
        attempts++;
        logger.info('worker.start', { shard, attempt: attempts, log });
        last = await runOnce(o.worker(shard), log, o.signal);
        if (last.code === 0) break;
        logger.warn('worker.failed', { shard, attempt: attempts, exitCode: last.code, signal: last.signal, log });
      }
      results.push({ shard, attempts, exitCode: last.code, signal: last.signal, log, seconds: (Date.now() - t0) / 1000 });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.parallel ?? o.count, o.count)) }, worker));
  results.sort((a, b) => a.shard.index - b.shard.index);
  const failed = results.filter((r) => r.exitCode !== 0);
  if (failed.length) {
    throw new SelfjError(o.signal?.aborted ? 'ABORTED' : 'INTERNAL', `${failed.length} of ${o.count} shard worker(s) failed:\n  ${failed.map((r) => `shard ${r.shard.index}/${r.shard.count}: exit ${r.exitCode ?? r.signal} after ${r.attempts} attempt(s), log ${r.log}`).join('\n  ')}`, {
      solutions: ['Read the logs named above', 'Run again: every shard resumes where it stopped, and finished shards are skipped'],
      details: { failed: failed.map((r) => r.shard.index) },
    });
  }
  return results;
}
