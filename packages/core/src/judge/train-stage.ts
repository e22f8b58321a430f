/**
 * Stage 5, train: features of both views, then the head trainer, then a self-describing judge artifact. The
 * feature extraction is the model work and shards like any stage (runTrainFeatures with a shard, then `selfj merge`
 * of <dir>/features); the head is one optimisation over all features and runs once, after the merge.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelBackend } from '../contracts/backend.js';
import { SelfjError } from '../errors.js';
import type { TrainConfig } from '../config/index.js';
import { readJsonFile } from '../infra/atomic.js';
import { lockDir, type DirLock } from '../infra/lock.js';
import { silentLogger } from '../infra/logger.js';
import { RECORDS_FILE } from '../infra/manifest.js';
import { effectiveShard } from '../infra/shard.js';
import type { StageRunResult } from '../infra/stage-runner.js';
import { loadTrainData, runFeatures } from './features-stage.js';
import { trainHead, type EpochStats } from './head-trainer.js';
import { saveJudge, type JudgeManifest } from './judge-artifact.js';
import type { TemplateSet } from '../stages/templates.js';
import { modelInfo, stageHash, type StageCommon } from '../stages/common.js';
import { viewTemplateHashes } from '../stages/views.js';

export interface TrainStageOptions extends StageCommon {
  input: string;
  backend: ModelBackend;
  templates: Pick<TemplateSet, 'withReference' | 'referenceFree'>;
  config: TrainConfig;
  seed: number;
  batchSize?: number;
  concurrency?: number;
  /** Train only on records of this split (see the label stage's splits). */
  onlySplit?: string;
  onEpoch?: (e: EpochStats) => void;
}

export interface TrainStageResult {
  status: 'skipped' | 'done';
  dir: string;
  manifest: JudgeManifest;
  seconds: number;
}

/** The features of the training items, in <dir>/features (or one shard of them: <dir>/features/shard-i-of-N). */
export function runTrainFeatures(o: TrainStageOptions): Promise<StageRunResult> {
  return runFeatures({ ...o, dir: join(o.dir, 'features') });
}

export async function runTrain(o: TrainStageOptions): Promise<TrainStageResult> {
  const shard = effectiveShard(o.shard);
  if (shard) {
    throw new SelfjError('BAD_INPUT', `A sharded train run (shard ${shard.index}/${shard.count}) extracts features only; it cannot train the head.`, {
      solutions: ['Run the shards with runTrainFeatures (selfj train --shard i/N), merge <dir>/features, then train without a shard'],
    });
  }
  const logger = o.logger ?? silentLogger;
  try {
    mkdirSync(o.dir, { recursive: true });
  } catch (e) {
    throw new SelfjError('BAD_INPUT', `Cannot use ${o.dir} as the judge directory: ${(e as Error).message}`, { solutions: ['Pass an --out path that is a directory (or does not exist yet)'], cause: e });
  }
  // The features directory has its own lock; this one keeps two runs from training into one judge directory.
  const lock = lockDir(o.dir, { purpose: 'stage train', logger });
  try {
    return await trainLocked(o, lock);
  } finally {
    lock.release();
  }
}

async function trainLocked(o: TrainStageOptions, lock: DirLock): Promise<TrainStageResult> {
  const t0 = Date.now();
  const logger = o.logger ?? silentLogger;
  const feats = await runTrainFeatures(o);
  const configHash = stageHash({ stage: 'train', features: feats.manifest.configHash, config: o.config, seed: o.seed });
  const existing = readJsonFile<JudgeManifest>(join(o.dir, 'manifest.json'), 'judge manifest');
  if (existing && existing.configHash === configHash && !o.force) {
    logger.info('stage.skip', { stage: 'train', reason: 'judge complete for the same config hash', dir: o.dir });
    return { status: 'skipped', dir: o.dir, manifest: existing, seconds: 0 };
  }
  // A judge trained with other train settings is replaced only when asked (--force, or selfj run's redo), like every
  // stage. New features alone (their own stage already refused or redid them by the same policy) retrain the head.
  if (existing && !o.force && o.onConfigChange !== 'redo') {
    const t = existing.training as { config?: unknown; seed?: unknown };
    const changes = [
      ...(JSON.stringify(t.config) !== JSON.stringify(o.config) ? ['train settings differ'] : []),
      ...(t.seed !== o.seed ? [`seed ${String(t.seed)} -> ${o.seed}`] : []),
    ];
    if (changes.length) {
      throw new SelfjError('ARTIFACT_MISMATCH', `${o.dir} holds a judge trained with other settings: ${changes.join('; ')}.`, {
        solutions: ['Pass --force to train over it', 'Or write this judge to another --out directory'],
        details: { dir: o.dir, changes, previous: existing.configHash, configHash },
      });
    }
  }
  const data = await loadTrainData(join(feats.dir, RECORDS_FILE));
  if (data.z.length < 2) {
    throw new SelfjError('BAD_INPUT', `Only ${data.z.length} usable labelled item(s) in ${o.input}; training needs at least 2.`, {
      solutions: ['Label more items', 'Check rejects.jsonl of the earlier stages'],
    });
  }
  const result = await trainHead(data, o.config, o.seed, (e) => {
    logger.info('train.epoch', { ...e });
    o.onEpoch?.(e);
  });
  const chat = o.backend.capabilities().chatTemplate;
  lock.check(); // a run that lost its lock (stalled past the timeout) must not overwrite the judge
  const manifest = saveJudge(
    o.dir,
    {
      configHash,
      baseModel: await modelInfo(o.backend),
      templates: viewTemplateHashes(o.templates, chat),
      training: {
        trainer: 'head',
        config: o.config,
        seed: o.seed,
        items: data.z.length,
        trainItems: result.trainItems,
        valItems: result.valItems,
        steps: result.steps,
        epochsRun: result.history.length,
        bestEpoch: result.best.epoch,
        featureNormalisation: 'standardise (train-split mean/std)',
        input: o.input,
      },
      metrics: { initial: result.initial, best: result.best, history: result.history },
    },
    result.weights,
  );
  const seconds = (Date.now() - t0) / 1000;
  logger.info('stage.done', { stage: 'train', seconds, bestEpoch: result.best.epoch, initial: result.initial, best: result.best });
  return { status: 'done', dir: o.dir, manifest, seconds };
}
