/**
 * runPipeline with `distribute` (what `selfj run --workers N` passes): the stages config.workers lists go to the
 * workers, here each stage's shards run one after the other in this process, as `selfj <stage> --shard i/N` would
 * run them, then merged. The pipeline's records equal an undistributed run's; a rerun calls no workers; a changed
 * setting sends the stages it changed back to the workers; workers that ran other settings are an error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HeadTrainer, runJudge } from '../src/judge/index.js';
import { builtinDeps, resolveConfig, runPipeline, type PipelineDeps, type SelfjConfig, type StageJob } from '../src/index.js';
import { mergeStageShards, shardDirName, type StageShard } from '../src/infra/index.js';
import { mergeTemplates, runLabel, runSample, runSelfEval, runSimilarity } from '../src/stages/index.js';
import { FakeBackend, FakeEmbedder, instructions } from './engine-fake.js';

const RECORDS = ['sample', 'self-eval', 'similarity', 'label', 'train/features', 'judge', 'select'].flatMap((s) => [`${s}/records.jsonl`, `${s}/rejects.jsonl`]);

function config(d: string, out: string, more: Record<string, unknown> = {}): SelfjConfig {
  const data = join(d, 'data.jsonl');
  writeFileSync(data, instructions(24));
  return resolveConfig({
    out,
    seed: 5,
    onBadRecord: 'skip',
    data: { source: data },
    backend: { id: 'fake:model', batchSize: 4 },
    sample: { samples: 2, maxTokens: 16 },
    train: { epochs: 5, batchSize: 8 },
    calibrate: { targetRisk: 0.5, delta: 0.2, badBelow: 4 },
    workers: { count: 3, stages: ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge'] },
    ...more,
  });
}

/** One shard of a job's stage, with the settings the stage command takes from the config (as a worker). */
async function shardOf(job: StageJob, shard: StageShard, c: SelfjConfig, deps: PipelineDeps): Promise<void> {
  const io = { dir: job.dir, input: job.input, shard, onBadRecord: c.onBadRecord, onConfigChange: 'redo' as const };
  const model = { batchSize: c.backend.batchSize, concurrency: c.backend.concurrency };
  if (job.stage === 'sample') await runSample({ ...io, sampler: deps.sampler, config: c.sample, fields: c.data.fields, limit: c.data.limit, seed: c.seed, concurrency: c.backend.concurrency });
  else if (job.stage === 'self-eval') await runSelfEval({ ...io, ...model, backend: deps.backend, templates: mergeTemplates(c.templates), minDigitMass: c.scoring.minDigitMass });
  else if (job.stage === 'similarity') await runSimilarity({ ...io, similarity: deps.similarity, batchSize: c.similarity.batchSize });
  else if (job.stage === 'label') await runLabel({ ...io, config: c.label, splits: job.splits ? c.splits : undefined, seed: c.seed });
  else if (job.stage === 'train') await (deps.trainer as HeadTrainer).extractFeatures({ dir: job.dir, input: job.input, seed: c.seed, onlySplit: job.onlySplit, onBadRecord: c.onBadRecord, onConfigChange: 'redo' }, shard);
  else {
    const judge = await deps.judge(job.judge === 'zero-shot' ? undefined : job.judge);
    await runJudge({ ...io, ...model, judge });
  }
}

/** A `distribute` that runs every shard of the job in turn and merges them; it records the stages it was given. */
function workers(c: SelfjConfig, deps: PipelineDeps, calls: string[]) {
  return async (job: StageJob) => {
    calls.push(job.stage);
    const count = c.workers.count;
    for (let index = 0; index < count; index++) await shardOf(job, { index, count }, c, deps);
    const inputs = Array.from({ length: count }, (_, index) => join(job.shardsDir, shardDirName({ index, count })));
    await mergeStageShards({ inputs, out: job.shardsDir, onConfigChange: 'redo' });
  };
}

describe('runPipeline with distribute (fake backend, 3 shards per stage)', () => {
  it('distributed records equal a single run; a rerun calls no workers; a changed label setting redoes label and what follows', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-distribute-'));
    const plainConfig = config(d, join(d, 'plain'));
    const plain = await runPipeline({ config: plainConfig, deps: await builtinDeps(new FakeBackend(16), new FakeEmbedder(), plainConfig) });

    const c = config(d, join(d, 'spread'));
    const deps = await builtinDeps(new FakeBackend(16), new FakeEmbedder(), c);
    expect(deps.trainer).toBeInstanceOf(HeadTrainer);
    const calls: string[] = [];
    const spread = await runPipeline({ config: c, deps, distribute: workers(c, deps, calls) });
    expect(calls).toEqual(['sample', 'self-eval', 'similarity', 'label', 'train', 'judge']);
    for (const f of [...RECORDS, 'train/weights.bin']) expect(readFileSync(join(d, 'spread', f)).equals(readFileSync(join(d, 'plain', f))), f).toBe(true);
    const summary = (p: typeof plain) => p.stages.map((s) => [s.stage, s.records, s.rejected]);
    expect(summary(spread)).toEqual(summary(plain));
    expect(spread.stages.filter((s) => s.detail?.workers === 3).map((s) => s.stage)).toEqual(calls);
    expect(spread.assessment!.calibration).toEqual(plain.assessment!.calibration);

    calls.length = 0;
    const again = await runPipeline({ config: c, deps, distribute: workers(c, deps, calls) });
    expect(calls).toEqual([]);
    expect(again.stages.filter((s) => ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge'].includes(s.stage)).map((s) => s.status)).toEqual(Array(6).fill('skipped'));

    const changed = config(d, join(d, 'spread'), { label: { w1: 0.7 } });
    const deps2 = await builtinDeps(new FakeBackend(16), new FakeEmbedder(), changed);
    const redone = await runPipeline({ config: changed, deps: deps2, distribute: workers(changed, deps2, calls) });
    expect(calls).toEqual(['label', 'train', 'judge']);
    expect(redone.stages.find((s) => s.stage === 'label')).toMatchObject({ status: 'done', detail: { workers: 3 } });
  });

  it('workers that ran other settings than the pipeline are an error naming the stage', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-distribute-bad-'));
    const c = config(d, join(d, 'out'), { workers: { count: 2, stages: ['label'] } });
    const deps = await builtinDeps(new FakeBackend(16), new FakeEmbedder(), c);
    const wrong = { ...c, label: { ...c.label, bias: 1 } };
    await expect(runPipeline({ config: c, deps, until: 'label', distribute: workers(wrong, deps, []) })).rejects.toMatchObject({
      code: 'ARTIFACT_MISMATCH',
      message: expect.stringMatching(/The 2 workers of "label" wrote an artifact made with other settings than this run's: .*config\.bias: was 1, now 0/s),
    });
  });
});
