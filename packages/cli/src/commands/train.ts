import { join } from 'node:path';
import { z } from 'zod';
import { HeadTrainer } from '@selfj/core/judge';
import { SelfjError, type TrainRequest, type Trainer } from '@selfj/core';
import { assertUnlocked, stageRunDir, type StageShard } from '@selfj/core/infra';
import { fmt } from '../io/output.js';
import { defineCommand } from '../options/command.js';
import { ioFlags, modelFlags, shardFlags, stageFlags, upstreamFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, shardNote, stageIo, stageLine, withSession, type OutputArgs } from '../session.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  ...shardFlags,
  ...upstreamFlags,
  ...ioFlags('train', 'Labelled records (label output)'),
  trainer: { setting: 'train.trainer' },
  epochs: { setting: 'train.epochs' },
  lr: { setting: 'train.lr' },
  'train-batch-size': { setting: 'train.batchSize' },
  'warmup-steps': { setting: 'train.warmupSteps' },
  'weight-decay': { setting: 'train.weightDecay' },
  'val-split': { setting: 'train.valSplit' },
  patience: { setting: 'train.patience' },
  split: { schema: z.string().min(1).optional(), describe: 'Train only on records with this "split" value (e.g. train)' },
} as const;

/** A sharded train run: one shard of the head trainer's feature extraction, no training (docs/scale-out.md). */
async function extractShard(args: OutputArgs, trainer: Trainer, request: TrainRequest, shard: StageShard, out: string): Promise<void> {
  if (!(trainer instanceof HeadTrainer)) {
    throw new SelfjError('BAD_INPUT', `--shard splits the feature extraction of the head trainer; trainer "${trainer.id}" does not shard.`, {
      solutions: ['Run this trainer without --shard (the lora trainer writes its own data shards: selfj export --data-shards)', 'Or use --trainer head'],
    });
  }
  const r = await trainer.extractFeatures(request, shard);
  const next = `\nthen train the head on all of them: selfj train (the same flags, without --shard)`;
  report(args, { ...r, manifest: undefined, shard, trained: false }, `${stageLine('train features', r)}${shardNote(shard, join(out, 'features'))}${next}`);
}

/** `selfj train`: a Trainer (default: the head trainer, self-distillation over frozen features) -> a judge. */
export default defineCommand({
  command: 'train',
  describe: 'Stage 5: train the judge (default: the head, by self-distillation from the teacher view with reference)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    // A second run on the same directories fails here, before a model is opened.
    if (own.shard && own.shard.count > 1) assertUnlocked(stageRunDir(join(own.out, 'features'), own.shard));
    else for (const d of [own.out, join(own.out, 'features')]) assertUnlocked(d);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const trainer = await s.registry.create('trainers', config.train.trainer, config.train.trainerOptions, s.ctx);
      if (!trainer.available) throw new SelfjError('CAPABILITY_MISSING', `Trainer ${trainer.id} cannot run: ${trainer.unavailableReason}.`);
      const request: TrainRequest = { dir: own.out, input: own.input, seed: config.seed, onlySplit: own.split, onConfigChange: own['on-config-change'], ...stageIo(s, own.force) };
      if (own.shard && own.shard.count > 1) return extractShard(args, trainer, request, own.shard, own.out);
      const r = await trainer.train(request);
      const m = r.metrics as { initialLoss?: number; bestLoss?: number; bestEpoch?: number; valPearson?: number };
      const summary =
        m.bestLoss !== undefined
          ? `loss ${fmt(m.initialLoss)} (untrained) -> ${fmt(m.bestLoss)} (epoch ${m.bestEpoch}${m.valPearson !== undefined ? `, val Pearson ${fmt(m.valPearson)}` : ''})`
          : JSON.stringify(r.metrics);
      report(
        args,
        { ...r },
        r.status === 'skipped'
          ? `train: already complete for this config (${r.dir}); use --force to retrain`
          : `train (${trainer.id}): ${r.items} items -> ${r.dir} in ${r.seconds.toFixed(1)}s; ${summary}${r.judge ? `\njudge id: ${r.judge}` : ''}`,
      );
    });
  },
});
