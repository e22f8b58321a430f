/**
 * `selfj run`: the whole pipeline from one config, stage by stage. Each stage skips itself when its artifact is
 * complete for the same config hash (which chains the upstream hashes), and resumes when it is partial.
 */
import { join } from 'node:path';
import type { Embedder, ModelBackend } from '../contracts/backend.js';
import { throwIfAborted } from '../errors.js';
import type { SelfjConfig } from '../config/index.js';
import { silentLogger, type Logger } from '../infra/logger.js';
import { RECORDS_FILE } from '../infra/manifest.js';
import { runJudge } from '../judge/judge-stage.js';
import { runLabel } from '../stages/label.js';
import { runSample } from '../stages/sample.js';
import { runSelect } from '../decide/select.js';
import { runSelfEval } from '../stages/self-eval.js';
import { runSimilarity } from '../stages/similarity.js';
import { runTrain } from '../judge/train-stage.js';
import { mergeTemplates } from '../stages/templates.js';
import { loadJudge } from '../judge/judge-artifact.js';
import { assess, type Assessment } from './assess.js';

export interface PipelineDeps {
  backend: ModelBackend;
  embedder: Embedder;
}

export const PIPELINE_STAGES = ['sample', 'self-eval', 'similarity', 'label', 'train', 'judge', 'calibrate', 'eval', 'select'] as const;
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
  const common = { signal: o.signal, logger, progress: o.progress, onBadRecord: c.onBadRecord, force: o.force };
  const dir = (s: string) => join(c.out, s);
  const recs = (s: string) => join(dir(s), RECORDS_FILE);
  const stages: StageSummary[] = [];
  // Backends without hidden-state features (e.g. OpenAI-compatible servers) cannot train the head: judge zero-shot.
  const canTrain = Boolean(deps.backend.features) && deps.backend.capabilities().features;
  const model = { batchSize: c.backend.batchSize, concurrency: c.backend.concurrency };
  const done = (stage: PipelineStage, r: { status: 'done' | 'skipped'; seconds: number; manifest?: { counts: { records: number; rejected: number } } }, d: string, detail?: Record<string, unknown>) => {
    const s: StageSummary = { stage, status: r.status, records: r.manifest?.counts.records ?? 0, rejected: r.manifest?.counts.rejected ?? 0, seconds: r.seconds, dir: d, detail };
    stages.push(s);
    o.onStage?.(s);
    throwIfAborted(o.signal);
    return o.until === stage;
  };

  const steps: [PipelineStage, () => Promise<boolean>][] = [
    ['sample', async () => done('sample', await runSample({ ...common, dir: dir('sample'), input: c.data.source, backend: deps.backend, config: c.sample, fields: c.data.fields, limit: c.data.limit, seed: c.seed, template: templates.sample, concurrency: c.backend.concurrency }), dir('sample'))],
    ['self-eval', async () => done('self-eval', await runSelfEval({ ...common, ...model, dir: dir('self-eval'), input: recs('sample'), backend: deps.backend, templates }), dir('self-eval'))],
    ['similarity', async () => done('similarity', await runSimilarity({ ...common, dir: dir('similarity'), input: recs('self-eval'), embedder: deps.embedder, batchSize: c.similarity.batchSize }), dir('similarity'))],
    ['label', async () => done('label', await runLabel({ ...common, dir: dir('label'), input: recs('similarity'), config: c.label, splits: c.splits, seed: c.seed }), dir('label'))],
    [
      'train',
      async () => {
        if (!canTrain) {
          logger.warn('train.skipped', { reason: `backend ${deps.backend.id} gives no hidden-state features; judging zero-shot (use selfj export to train a LoRA judge)` });
          return done('train', { status: 'skipped', seconds: 0 }, dir('train'), { reason: 'no features' });
        }
        const r = await runTrain({ ...common, ...model, dir: dir('train'), input: recs('label'), backend: deps.backend, templates, config: c.train, seed: c.seed, onlySplit: 'train' });
        const m = r.manifest.metrics as { initial: { trainLoss: number; valLoss?: number; valPearson?: number }; best: { epoch: number; trainLoss: number; valLoss?: number; valPearson?: number } };
        const detail = { initialLoss: m.initial.valLoss ?? m.initial.trainLoss, bestLoss: m.best.valLoss ?? m.best.trainLoss, bestEpoch: m.best.epoch, initialValPearson: m.initial.valPearson, valPearson: m.best.valPearson, validation: m.initial.valLoss !== undefined };
        return done('train', { status: r.status, seconds: r.seconds, manifest: { counts: { records: Number(r.manifest.training.items), rejected: 0 } } }, dir('train'), detail);
      },
    ],
    ['judge', async () => done('judge', await runJudge({ ...common, ...model, dir: dir('judge'), input: recs('label'), backend: deps.backend, template: templates.referenceFree, judge: canTrain ? loadJudge(dir('train')) : undefined }), dir('judge'))],
    [
      'calibrate',
      async () => {
        const t = Date.now();
        assessment = await assess(recs('judge'), c.out, c.calibrate);
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
