/**
 * `selfj run`: the whole pipeline from one config, stage by stage. Each stage skips itself when its artifact is
 * complete for the same config hash (which chains the upstream hashes), and resumes when it is partial. With
 * `distribute` (selfj run --workers N), the stages config.workers lists run as N shard processes and are merged
 * first; the stage then runs here and finds its artifact complete.
 */
import { join } from 'node:path';
import type { SelfjConfig } from '../config/index.js';
import type { ModelBackend } from '../contracts/backend.js';
import type { Judge } from '../contracts/judge.js';
import type { DatasetLoader } from '../contracts/records.js';
import type { Sampler } from '../contracts/sampler.js';
import type { Similarity } from '../contracts/similarity.js';
import type { Trainer } from '../contracts/trainer.js';
import { SelfjError, isSelfjError, throwIfAborted } from '../errors.js';
import type { OnConfigChange } from '../infra/artifact-state.js';
import { silentLogger, type Logger } from '../infra/logger.js';
import { RECORDS_FILE, readManifest } from '../infra/manifest.js';
import { runJudge } from '../judge/judge-stage.js';
import { runLabel } from '../stages/label.js';
import { runData } from '../stages/data.js';
import { runSample } from '../stages/sample.js';
import { runSelect } from '../decide/select.js';
import { runSelfEval } from '../stages/self-eval.js';
import { recordDigitMass } from '../stages/digit-mass.js';
import { runSimilarity } from '../stages/similarity.js';
import { mergeTemplates } from '../stages/templates.js';
import { assess, type Assessment } from './assess.js';
import { loaderOptions } from './loader-options.js';
import { LOADED_FIELDS, stageJob, type StageJob } from './stage-jobs.js';

/** What the pipeline runs on: the four contracts, the policy that rates itself, and the data set when it needs a loader. */
export interface PipelineDeps {
  /** The policy model: it self-evaluates its own answers (stage 2). */
  backend: ModelBackend;
  sampler: Sampler;
  similarity: Similarity;
  trainer: Trainer;
  /** The judge of stage 6, given the judge id the trainer produced (undefined when training was skipped). */
  judge(trained?: string): Promise<Judge>;
  /** A loader for data.source when it is not a plain JSONL file (its records are written once by stage "data"). */
  dataset?: DatasetLoader;
}

export const PIPELINE_STAGES = ['data', 'sample', 'self-eval', 'similarity', 'label', 'train', 'judge', 'calibrate', 'eval', 'select'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

export interface StageSummary {
  stage: PipelineStage;
  status: 'done' | 'skipped';
  records: number;
  rejected: number;
  seconds: number;
  dir: string;
  /** Stage-specific numbers (train: initial and best loss, best epoch, validation Pearson). */
  detail?: Record<string, unknown>;
}

export interface PipelineOptions {
  config: SelfjConfig;
  deps: PipelineDeps;
  signal?: AbortSignal;
  logger?: Logger;
  progress?: boolean;
  /** Stop after this stage. */
  until?: PipelineStage;
  /** Redo every stage even when its artifact is complete. */
  force?: boolean;
  onStage?: (s: StageSummary) => void;
  /**
   * Runs a stage's shards in other processes and merges them into `job.shardsDir`, replacing a merged artifact
   * made with other settings (selfj run --workers: local worker processes). Used for the stages config.workers
   * lists when workers.count > 1; `force` redoes the shards.
   */
  distribute?: (job: StageJob, options: { force: boolean }) => Promise<void>;
}

export interface PipelineResult {
  stages: StageSummary[];
  assessment?: Assessment;
  seconds: number;
}

export async function runPipeline(o: PipelineOptions): Promise<PipelineResult> {
  const t0 = Date.now();
  const { config: c, deps } = o;
  const logger = o.logger ?? silentLogger;
  const templates = mergeTemplates(c.templates);
  // A changed config redoes the stages it changed (selfj run is the place where that is expected); a lone stage
  // command refuses instead (it may be pointed at the wrong directory).
  const common = { signal: o.signal, logger, progress: o.progress, onBadRecord: c.onBadRecord, force: o.force, onConfigChange: 'redo' as const };
  const dir = (s: string) => join(c.out, s);
  const stages: StageSummary[] = [];
  const distributed = new Set<PipelineStage>();
  const model = { batchSize: c.backend.batchSize, concurrency: c.backend.concurrency };
  const done = (stage: PipelineStage, r: { status: 'done' | 'skipped'; seconds: number; manifest?: { counts: { records: number; rejected: number } } }, d: string, detail?: Record<string, unknown>) => {
    const more = distributed.has(stage) ? { workers: c.workers.count } : undefined;
    const s: StageSummary = { stage, status: r.status, records: r.manifest?.counts.records ?? 0, rejected: r.manifest?.counts.rejected ?? 0, seconds: r.seconds, dir: d, detail: detail || more ? { ...detail, ...more } : undefined };
    stages.push(s);
    o.onStage?.(s);
    throwIfAborted(o.signal);
    return o.until === stage;
  };

  let input = c.data.source;
  let fields = c.data.fields;
  let trainedJudge: string | undefined;
  const job = (stage: StageJob['stage']) => stageJob(c, stage, { source: input, trainedJudge });

  /**
   * Runs a stage here (`run` with the runner's force/onConfigChange), through the workers first when it is
   * distributed. An artifact complete from an earlier run is checked here first, so a rerun starts no workers.
   */
  const spread = async <R extends { status: 'done' | 'skipped'; seconds: number }>(j: StageJob, run: (x: { force?: boolean; onConfigChange: OnConfigChange }) => Promise<R>): Promise<R> => {
    if (!(o.distribute && c.workers.count > 1 && c.workers.stages.includes(j.stage))) return run(common);
    const t = Date.now();
    const before = readManifest(j.shardsDir);
    if (!o.force && before?.complete && !before.shard) {
      try {
        return await run({ force: false, onConfigChange: 'refuse' });
      } catch (e) {
        if (!isSelfjError(e, 'ARTIFACT_MISMATCH')) throw e; // made with other settings: the workers redo it
      }
    }
    await o.distribute(j, { force: Boolean(o.force) });
    distributed.add(j.stage);
    try {
      const r = await run({ force: false, onConfigChange: 'refuse' });
      return { ...r, status: 'done', seconds: (Date.now() - t) / 1000 };
    } catch (e) {
      if (!isSelfjError(e, 'ARTIFACT_MISMATCH')) throw e;
      throw new SelfjError('ARTIFACT_MISMATCH', `The ${c.workers.count} workers of "${j.stage}" wrote an artifact made with other settings than this run's: ${e.message}`, {
        solutions: ['Read the worker logs (<out>/logs/workers)', 'Report it: the workers run the stage command with this run\'s config'],
        cause: e,
      });
    }
  };
  const steps: [PipelineStage, () => Promise<boolean>][] = [
    [
      'data',
      async () => {
        if (!deps.dataset) return done('data', { status: 'skipped', seconds: 0 }, c.data.source, { reason: 'plain JSONL, read in place' });
        const r = await runData({ ...common, dir: dir('data'), source: c.data.source, loader: deps.dataset, options: loaderOptions(c), limit: c.data.limit });
        input = r.recordsFile;
        fields = LOADED_FIELDS;
        return done('data', r, dir('data'));
      },
    ],
    [
      'sample',
      async () => {
        const carry = c.grade.field ? [c.grade.field] : [];
        const j = job('sample');
        const r = await spread(j, (x) => runSample({ ...common, ...x, dir: j.dir, input: j.input, sampler: deps.sampler, config: c.sample, fields, limit: c.data.limit, seed: c.seed, concurrency: c.backend.concurrency, carry }));
        return done('sample', r, j.dir);
      },
    ],
    [
      'self-eval',
      async () => {
        const j = job('self-eval');
        const r = await spread(j, (x) => runSelfEval({ ...common, ...model, ...x, dir: j.dir, input: j.input, backend: deps.backend, templates, minDigitMass: c.scoring.minDigitMass }));
        return done('self-eval', r, j.dir, { digitMass: await recordDigitMass(j.dir, c.scoring.minDigitMass, logger) });
      },
    ],
    [
      'similarity',
      async () => {
        const j = job('similarity');
        return done('similarity', await spread(j, (x) => runSimilarity({ ...common, ...x, dir: j.dir, input: j.input, similarity: deps.similarity, batchSize: c.similarity.batchSize })), j.dir);
      },
    ],
    [
      'label',
      async () => {
        const j = job('label');
        return done('label', await spread(j, (x) => runLabel({ ...common, ...x, dir: j.dir, input: j.input, config: c.label, splits: c.splits, seed: c.seed })), j.dir);
      },
    ],
    [
      'train',
      async () => {
        if (!deps.trainer.available) {
          logger.warn('train.skipped', { reason: `${deps.trainer.unavailableReason ?? `trainer ${deps.trainer.id} is not available`}; judging zero-shot` });
          return done('train', { status: 'skipped', seconds: 0 }, dir('train'), { reason: deps.trainer.unavailableReason ?? 'trainer not available' });
        }
        const j = job('train');
        const r = await spread(j, (x) => deps.trainer.train({ ...common, ...x, dir: j.dir, input: j.input, seed: c.seed, onlySplit: j.onlySplit }));
        trainedJudge = r.judge;
        return done('train', { status: r.status, seconds: r.seconds, manifest: { counts: { records: r.items, rejected: 0 } } }, j.dir, { trainer: deps.trainer.id, ...r.metrics });
      },
    ],
    [
      'judge',
      async () => {
        const j = job('judge');
        const judge = await deps.judge(trainedJudge);
        try {
          const r = await spread(j, (x) => runJudge({ ...common, ...model, ...x, dir: j.dir, input: j.input, judge }));
          return done('judge', r, j.dir, { judge: judge.id, digitMass: await recordDigitMass(j.dir, c.scoring.minDigitMass, logger) });
        } finally {
          await judge.close?.();
        }
      },
    ],
    [
      'calibrate',
      async () => {
        const t = Date.now();
        assessment = await assess(join(job('judge').dir, RECORDS_FILE), c.out, c);
        const n = assessment.calibration.n;
        if (done('calibrate', { status: 'done', seconds: (Date.now() - t) / 1000, manifest: { counts: { records: n, rejected: 0 } } }, dir('calibrate'))) return true;
        return done('eval', { status: 'done', seconds: 0, manifest: { counts: { records: assessment.test.n, rejected: 0 } } }, dir('eval'));
      },
    ],
    ['select', async () => done('select', await runSelect({ ...common, dir: dir('select'), input: join(job('judge').dir, RECORDS_FILE), tau: assessment!.calibration.tau }), dir('select'))],
  ];
  let assessment: Assessment | undefined;
  for (const [name, step] of steps) {
    logger.info('pipeline.stage', { stage: name });
    if (await step()) break;
  }
  return { stages, assessment, seconds: (Date.now() - t0) / 1000 };
}
