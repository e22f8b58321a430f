import { z } from 'zod';
import { SelfjError } from '@selfj/core';
import { fmt } from '../io/output.js';
import { defineCommand } from '../options/command.js';
import { ioFlags, modelFlags, stageFlags } from '../options/common.js';
import { report, resolveCommandConfig, sessionArgs, stageIo, withSession } from '../session.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
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

/** `selfj train`: a Trainer (default: the head trainer, self-distillation over frozen features) -> a judge. */
export default defineCommand({
  command: 'train',
  describe: 'Stage 5: train the judge (default: the head, by self-distillation from the teacher view with reference)',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      const trainer = await s.registry.create('trainers', config.train.trainer, config.train.trainerOptions, s.ctx);
      if (!trainer.available) throw new SelfjError('CAPABILITY_MISSING', `Trainer ${trainer.id} cannot run: ${trainer.unavailableReason}.`);
      const r = await trainer.train({ dir: own.out, input: own.input, seed: config.seed, onlySplit: own.split, ...stageIo(s, own.force) });
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
