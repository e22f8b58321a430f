/**
 * `selfj run`: the whole pipeline from one config, stage by stage. Each stage skips itself when its artifact is
 * complete for the same config hash (which chains the upstream hashes), and resumes when it is partial.
 */
import { join } from 'node:path';
import type { SelfjConfig } from '../config/index.js';
import type { ModelBackend } from '../contracts/backend.js';
import type { Judge } from '../contracts/judge.js';
import type { DatasetLoader } from '../contracts/records.js';
import type { Sampler } from '../contracts/sampler.js';
import type { Similarity } from '../contracts/similarity.js';
import type { Trainer } from '../contracts/trainer.js';
import { throwIfAborted } from '../errors.js';
import { silentLogger, type Logger } from '../infra/logger.js';
import { RECORDS_FILE } from '../infra/manifest.js';
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
  const recs = (s: string) => join(dir(s), RECORDS_FILE);
  const stages: StageSummary[] = [];
  const model = { batchSize: c.backend.batchSize, concurrency: c.backend.concurrency };
  const done = (stage: PipelineStage, r: { status: 'done' | 'skipped'; seconds: number; manifest?: { counts: { records: number; rejected: number } } }, d: string, detail?: Record<string, unknown>) => {
    const s: StageSummary = { stage, status: r.status, records: r.manifest?.counts.records ?? 0, rejected: r.manifest?.counts.rejected ?? 0, seconds: r.seconds, dir: d, detail };
    stages.push(s);
    o.onStage?.(s);
    throwIfAborted(o.signal);
    return o.until === stage;
  };

  let input = c.data.source;
  let fields = c.data.fields;
  let trainedJudge: string | undefined;
  const steps: [PipelineStage, () => Promise<boolean>][] = [
    [
      'data',
      async () => {
        if (!deps.dataset) return done('data', { status: 'skipped', seconds: 0 }, c.data.source, { reason: 'plain JSONL, read in place' });
        const r = await runData({ ...common, dir: dir('data'), source: c.data.source, loader: deps.dataset, options: c.data.options, limit: c.data.limit });
        input = r.recordsFile;
        fields = { id: 'id', instruction: 'instruction', reference: 'reference', category: 'category' };
        return done('data', r, dir('data'));
      },
    ],
    [
      'sample',
      async () => {
        const carry = c.grade.field ? [c.grade.field] : [];
        const r = await runSample({ ...common, dir: dir('sample'), input, sampler: deps.sampler, config: c.sample, fields, limit: c.data.limit, seed: c.seed, concurrency: c.backend.concurrency, carry });
        return done('sample', r, dir('sample'));
      },
    ],
    [
      'self-eval',
      async () => {
        const r = await runSelfEval({ ...common, ...model, dir: dir('self-eval'), input: recs('sample'), backend: deps.backend, templates, minDigitMass: c.scoring.minDigitMass });
        return done('self-eval', r, dir('self-eval'), { digitMass: await recordDigitMass(dir('self-eval'), c.scoring.minDigitMass, logger) });
      },
    ],
    ['similarity', async () => done('similarity', await runSimilarity({ ...common, dir: dir('similarity'), input: recs('self-eval'), similarity: deps.similarity, batchSize: c.similarity.batchSize }), dir('similarity'))],
    ['label', async () => done('label', await runLabel({ ...common, dir: dir('label'), input: recs('similarity'), config: c.label, splits: c.splits, seed: c.seed }), dir('label'))],
    [
      'train',
      async () => {
        if (!deps.trainer.available) {
          logger.warn('train.skipped', { reason: `${deps.trainer.unavailableReason ?? `trainer ${deps.trainer.id} is not available`}; judging zero-shot` });
          return done('train', { status: 'skipped', seconds: 0 }, dir('train'), { reason: deps.trainer.unavailableReason ?? 'trainer not available' });
        }
        const r = await deps.trainer.train({ ...common, dir: dir('train'), input: recs('label'), seed: c.seed, onlySplit: 'train' });
        trainedJudge = r.judge;
        return done('train', { status: r.status, seconds: r.seconds, manifest: { counts: { records: r.items, rejected: 0 } } }, dir('train'), { trainer: deps.trainer.id, ...r.metrics });
      },
    ],
    [
      'judge',
      async () => {
        const judge = await deps.judge(trainedJudge);
        try {
          const r = await runJudge({ ...common, ...model, dir: dir('judge'), input: recs('label'), judge });
          return done('judge', r, dir('judge'), { judge: judge.id, digitMass: await recordDigitMass(dir('judge'), c.scoring.minDigitMass, logger) });
        } finally {
          await judge.close?.();
        }
      },
    ],
    [
      'calibrate',
      async () => {
        const t = Date.now();
        assessment = await assess(recs('judge'), c.out, c);
        const n = assessment.calibration.n;
        if (done('calibrate', { status: 'done', seconds: (Date.now() - t) / 1000, manifest: { counts: { records: n, rejected: 0 } } }, dir('calibrate'))) return true;
        return done('eval', { status: 'done', seconds: 0, manifest: { counts: { records: assessment.test.n, rejected: 0 } } }, dir('eval'));
      },
    ],
    ['select', async () => done('select', await runSelect({ ...common, dir: dir('select'), input: recs('judge'), tau: assessment!.calibration.tau }), dir('select'))],
  ];
  let assessment: Assessment | undefined;
  for (const [name, step] of steps) {
    logger.info('pipeline.stage', { stage: name });
    if (await step()) break;
  }
  return { stages, assessment, seconds: (Date.now() - t0) / 1000 };
}
