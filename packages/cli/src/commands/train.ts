import type { CommandModule } from 'yargs';
import { mergeTemplates, runTrain, type TrainConfig } from '@selfj/core';
import { fmt } from '../io/output.js';
import { loadConfig, modelOptions, openBackend, report, stageIo, withAbort, type ModelArgs } from './engine-support.js';

interface Args extends ModelArgs {
  input: string;
  out: string;
  epochs?: number;
  lr?: number;
  'train-batch-size'?: number;
  'warmup-steps'?: number;
  'val-split'?: number;
  patience?: number;
  split?: string;
}

/** `selfj train`: the head trainer (self-distillation over frozen features) -> a judge artifact. */
const command: CommandModule<object, Args> = {
  command: 'train',
  describe: 'Stage 5: train the judge head by self-distillation (teacher view with reference, student without)',
  builder: (y) =>
    modelOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Labelled records (label output)' })
      .option('out', { type: 'string', default: 'selfj-out/train', describe: 'Judge directory (manifest.json + weights.bin; features/)' })
      .option('epochs', { type: 'number' })
      .option('lr', { type: 'number' })
      .option('train-batch-size', { type: 'number', describe: 'Items per optimiser step' })
      .option('warmup-steps', { type: 'number' })
      .option('val-split', { type: 'number', describe: 'Held-out share for early stopping' })
      .option('patience', { type: 'number' })
      .option('split', { type: 'string', describe: 'Train only on records with this "split" value (e.g. train)' }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    const t = cfg.train;
    const config: TrainConfig = {
      ...t,
      epochs: args.epochs ?? t.epochs,
      lr: args.lr ?? t.lr,
      batchSize: args['train-batch-size'] ?? t.batchSize,
      warmupSteps: args['warmup-steps'] ?? t.warmupSteps,
      valSplit: args['val-split'] ?? t.valSplit,
      patience: args.patience ?? t.patience,
    };
    await withAbort(async (signal) => {
      const backend = await openBackend(args, cfg, signal);
      try {
        const r = await runTrain({
          dir: args.out,
          input: args.input,
          backend,
          templates: mergeTemplates(cfg.templates),
          config,
          seed: args.seed ?? cfg.seed,
          onlySplit: args.split,
          batchSize: args['batch-size'] ?? cfg.backend.batchSize,
          ...stageIo(args, signal, cfg),
        });
        const m = r.manifest.metrics as { initial: { trainLoss: number; valLoss?: number }; best: { epoch: number; trainLoss: number; valLoss?: number; valPearson?: number } };
        report(
          args,
          { status: r.status, dir: r.dir, seconds: r.seconds, metrics: r.manifest.metrics, training: r.manifest.training },
          r.status === 'skipped'
            ? `train: judge already complete for this config (${r.dir}); use --force to retrain`
            : `train: judge written to ${r.dir} in ${r.seconds.toFixed(1)}s; loss ${fmt(m.initial.valLoss ?? m.initial.trainLoss)} (untrained) -> ${fmt(m.best.valLoss ?? m.best.trainLoss)} (epoch ${m.best.epoch}${m.best.valPearson !== undefined ? `, val Pearson ${fmt(m.best.valPearson)}` : ''})`,
        );
      } finally {
        await backend.close();
      }
    });
  },
};
export default command;
