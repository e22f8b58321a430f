/**
 * Where each stage of `selfj run` reads and writes. One definition serves the in-process pipeline, the worker
 * processes of `selfj run --workers N` (which run the same stage as `selfj <stage> --shard i/N`) and the commands
 * `--print-commands` writes for a scheduler, so the three cannot drift apart.
 */
import { join } from 'node:path';
import type { DataConfig, SelfjConfig, ShardableStage } from '../config/index.js';
import { RECORDS_FILE } from '../infra/manifest.js';
import { isPlainJsonl } from '../stages/data.js';

/** Field names of the records the data stage writes (whatever the data set called them). */
export const LOADED_FIELDS: DataConfig['fields'] = { id: 'id', instruction: 'instruction', reference: 'reference', category: 'category' };

export interface StageJob {
  stage: ShardableStage;
  /** Its input records. */
  input: string;
  /** Its artifact directory (the stage command's --out). */
  dir: string;
  /** Where its shards land and are merged: `dir`, or for train its features directory. */
  shardsDir: string;
  /** label: the pipeline assigns splits (the label command's --splits). */
  splits?: boolean;
  /** train: the split it trains on (the train command's --split). */
  onlySplit?: string;
  /** judge: the judge id the pipeline uses (the judge command's --judge). */
  judge?: string;
}

/** The records stage 1 reads and their field names: the data set itself (plain JSONL) or the data stage's copy. */
export function pipelineInput(c: SelfjConfig): { source: string; fields: DataConfig['fields']; loaded: boolean } {
  if (isPlainJsonl(c.data.source, c.data.options)) return { source: c.data.source, fields: c.data.fields, loaded: false };
  return { source: join(c.out, 'data', RECORDS_FILE), fields: LOADED_FIELDS, loaded: true };
}

/** The judge of stage 6: the config's, else the one training made (undefined: none), else zero-shot. */
export function pipelineJudge(c: SelfjConfig, trained?: string): string {
  return c.judge.id || trained || 'zero-shot';
}

const UPSTREAM: Record<ShardableStage, ShardableStage | undefined> = {
  sample: undefined,
  'self-eval': 'sample',
  similarity: 'self-eval',
  label: 'similarity',
  train: 'label',
  judge: 'label',
};

/** The job of one stage; `source` is stage 1's input (pipelineInput), `trainedJudge` what training produced. */
export function stageJob(c: SelfjConfig, stage: ShardableStage, at: { source: string; trainedJudge?: string }): StageJob {
  const dir = join(c.out, stage);
  const from = UPSTREAM[stage];
  const job: StageJob = { stage, input: from ? join(c.out, from, RECORDS_FILE) : at.source, dir, shardsDir: stage === 'train' ? join(dir, 'features') : dir };
  if (stage === 'label') job.splits = true;
  if (stage === 'train') job.onlySplit = 'train';
  if (stage === 'judge') job.judge = pipelineJudge(c, at.trainedJudge);
  return job;
}
