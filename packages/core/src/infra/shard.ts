/**
 * Sharding a record stage over processes or machines. Every shard reads the whole input; a record belongs to
 * shard `shardOfKey(key, N)` (a pure function of its key, so duplicates of a key meet in one shard), a line
 * without a usable key to `shardOfPosition(ordinal, N)`. Shard i of N writes its own resumable artifact in
 * `<dir>/shard-i-of-N/`, plus the input position of every line it writes (records.order, rejects.order) so that
 * `mergeStageShards` can restore the exact order of a single-process run.
 */
import { SelfjError } from '../errors.js';
import { fmix32 } from './hash.js';

export interface StageShard {
  /** 0-based. */
  index: number;
  count: number;
}

export const RECORDS_ORDER_FILE = 'records.order';
export const REJECTS_ORDER_FILE = 'rejects.order';

/** The directory name of shard i of N inside a stage's --out directory. */
export function shardDirName(s: StageShard): string {
  return `shard-${s.index}-of-${s.count}`;
}

export function parseShardDirName(name: string): StageShard | undefined {
  const m = /^shard-(\d+)-of-(\d+)$/.exec(name);
  return m ? { index: Number(m[1]), count: Number(m[2]) } : undefined;
}

/** A shard worth splitting for: undefined for none or 1 of 1. */
export function effectiveShard(s: StageShard | undefined): StageShard | undefined {
  if (!s) return undefined;
  if (!Number.isInteger(s.index) || !Number.isInteger(s.count) || s.count < 1 || s.index < 0 || s.index >= s.count) {
    throw new SelfjError('BAD_INPUT', `Bad shard ${s.index}/${s.count}: expected 0 <= index < count.`, { solutions: ['Pass --shard i/N with 0 <= i < N, e.g. 0/4'] });
  }
  return s.count > 1 ? s : undefined;
}

// FNV-1a over the key's UTF-8 bytes, then murmur3's finaliser (FNV alone spreads short similar keys badly).
// Stable forever: shard files written today must merge with shards written by a later version.
const encoder = new TextEncoder();
let scratch = new Uint8Array(256);
export function keyHash32(key: string): number {
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
  const n = encoder.encodeInto(key, scratch).written;
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ scratch[i], 0x01000193);
  return fmix32(h);
}

export function shardOfKey(key: string, count: number): number {
  return keyHash32(key) % count;
}

/** The shard of an input line that has no usable key (unparsable JSON, a record without an id). */
export function shardOfPosition(ordinal: number, count: number): number {
  return keyHash32(`#position:${ordinal}`) % count;
}

const SPEC = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/**
 * Reads a shard spec: "i/N" (0-based), or "auto" from the scheduler's environment: SELFJ_SHARD_INDEX +
 * SELFJ_SHARD_COUNT; a Kubernetes Indexed Job's JOB_COMPLETION_INDEX (+ SELFJ_SHARD_COUNT, as the Job does not
 * export its completions); a SLURM job array's SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT.
 */
export function parseShardSpec(spec: string, env: Record<string, string | undefined> = process.env): StageShard {
  if (spec.trim() === 'auto') return shardFromEnv(env);
  const m = SPEC.exec(spec);
  if (!m) {
    throw new SelfjError('BAD_INPUT', `Bad shard ${JSON.stringify(spec)}: expected i/N (0-based, e.g. 0/4) or "auto".`, {
      solutions: ['Pass --shard 0/4 for the first of four shards', 'Or --shard auto inside a Kubernetes Indexed Job or a SLURM job array'],
    });
  }
  return effectiveShard({ index: Number(m[1]), count: Number(m[2]) }) ?? { index: 0, count: 1 };
}

function int(env: Record<string, string | undefined>, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw new SelfjError('BAD_INPUT', `${name}=${JSON.stringify(v)} is not a non-negative integer.`);
  return Number(v);
}

export function shardFromEnv(env: Record<string, string | undefined> = process.env): StageShard {
  const check = (index: number, count: number, from: string): StageShard => {
    if (!(count >= 1) || index >= count) {
      throw new SelfjError('BAD_INPUT', `--shard auto: index ${index} is not below the count ${count} (from ${from}).`, {
        solutions: ['Make the shard count equal the number of tasks (Job .spec.completions, the size of the SLURM array)'],
      });
    }
    return { index, count };
  };
  const explicit = int(env, 'SELFJ_SHARD_INDEX');
  const count = int(env, 'SELFJ_SHARD_COUNT');
  if (explicit !== undefined) {
    if (count === undefined) throw new SelfjError('BAD_INPUT', 'SELFJ_SHARD_INDEX is set but SELFJ_SHARD_COUNT is not.');
    return check(explicit, count, 'SELFJ_SHARD_INDEX/SELFJ_SHARD_COUNT');
  }
  const k8s = int(env, 'JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    if (count === undefined) {
      throw new SelfjError('BAD_INPUT', '--shard auto in a Kubernetes Indexed Job needs SELFJ_SHARD_COUNT (the Job\'s completions).', {
        solutions: ['Add env SELFJ_SHARD_COUNT with the same value as .spec.completions to the pod template (see docs/scale-out.md)'],
      });
    }
    return check(k8s, count, 'JOB_COMPLETION_INDEX/SELFJ_SHARD_COUNT');
  }
  const task = int(env, 'SLURM_ARRAY_TASK_ID');
  if (task !== undefined) {
    const n = int(env, 'SLURM_ARRAY_TASK_COUNT');
    const min = int(env, 'SLURM_ARRAY_TASK_MIN') ?? 0;
    const step = int(env, 'SLURM_ARRAY_TASK_STEP') ?? 1;
    if (n === undefined) throw new SelfjError('BAD_INPUT', 'SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not.');
    if (step !== 1) {
      throw new SelfjError('BAD_INPUT', `--shard auto needs a contiguous SLURM array (step 1), got step ${step}.`, {
        solutions: ['Submit with --array=0-(N-1) (a "%K" limit on running tasks is fine)'],
      });
    }
    return check(task - min, n, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  throw new SelfjError('BAD_INPUT', '--shard auto found no shard in the environment.', {
    solutions: [
      'Run inside a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) with SELFJ_SHARD_COUNT set',
      'Run inside a SLURM job array (sbatch --array=0-N)',
      'Set SELFJ_SHARD_INDEX and SELFJ_SHARD_COUNT, or pass --shard i/N',
    ],
  });
}
