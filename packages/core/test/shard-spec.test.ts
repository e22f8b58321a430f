import { describe, expect, it } from 'vitest';
import { parseShardSpec, stageRunDir } from '../src/infra/index.js';

describe('--shard i/N and --shard auto', () => {
  it('reads i/N, and treats 0/1 as unsharded', () => {
    expect(parseShardSpec('2/8', {})).toEqual({ index: 2, count: 8 });
    expect(parseShardSpec(' 0 / 3 ', {})).toEqual({ index: 0, count: 3 });
    expect(stageRunDir('/x/sample', parseShardSpec('0/1', {}))).toBe('/x/sample');
    expect(stageRunDir('/x/sample', { index: 1, count: 4 })).toBe('/x/sample/shard-1-of-4');
    for (const bad of ['3/3', '1', '-1/2', 'a/b', '1/0']) expect(() => parseShardSpec(bad, {}), bad).toThrow(/Bad shard/);
  });

  it('auto: a Kubernetes Indexed Job (JOB_COMPLETION_INDEX + SELFJ_SHARD_COUNT)', () => {
    expect(parseShardSpec('auto', { JOB_COMPLETION_INDEX: '5', SELFJ_SHARD_COUNT: '16' })).toEqual({ index: 5, count: 16 });
    expect(() => parseShardSpec('auto', { JOB_COMPLETION_INDEX: '5' })).toThrow(/needs SELFJ_SHARD_COUNT/);
    expect(() => parseShardSpec('auto', { JOB_COMPLETION_INDEX: '16', SELFJ_SHARD_COUNT: '16' })).toThrow(/not below the count/);
  });

  it('auto: a SLURM job array, also one that starts at 1', () => {
    expect(parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' })).toEqual({ index: 3, count: 4 });
    expect(parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '1' })).toEqual({ index: 3, count: 4 });
    expect(() => parseShardSpec('auto', { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_STEP: '2' })).toThrow(/contiguous/);
  });

  it('auto: explicit SELFJ_SHARD_INDEX wins; nothing set is a clear error', () => {
    expect(parseShardSpec('auto', { SELFJ_SHARD_INDEX: '1', SELFJ_SHARD_COUNT: '2', SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '9' })).toEqual({ index: 1, count: 2 });
    expect(() => parseShardSpec('auto', {})).toThrow(/found no shard in the environment/);
    expect(() => parseShardSpec('auto', { JOB_COMPLETION_INDEX: 'x', SELFJ_SHARD_COUNT: '2' })).toThrow(/not a non-negative integer/);
  });
});
