import type { CommandModule } from 'yargs';
import { mergeTemplates, runSelfEval } from '@selfj/core';
import { loadConfig, modelOptions, openBackend, report, stageIo, stageLine, withAbort, type ModelArgs } from './engine-support.js';

interface Args extends ModelArgs {
  input: string;
  out: string;
}

/** `selfj self-eval`: the policy rates its responses from digit probabilities, with (z1) and without (z0) reference. */
const command: CommandModule<object, Args> = {
  command: 'self-eval',
  describe: 'Stage 2: self-evaluation z1 (with reference) and zero-shot z0 (reference-free) from digit probabilities',
  builder: (y) =>
    modelOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Sample records (records.jsonl of `selfj sample`)' })
      .option('out', { type: 'string', default: 'selfj-out/self-eval', describe: 'Stage directory' }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    await withAbort(async (signal) => {
      const backend = await openBackend(args, cfg, signal);
      try {
        const r = await runSelfEval({
          dir: args.out,
          input: args.input,
          backend,
          templates: mergeTemplates(cfg.templates),
          batchSize: args['batch-size'] ?? cfg.backend.batchSize,
          concurrency: args.concurrency ?? cfg.backend.concurrency,
          ...stageIo(args, signal, cfg),
        });
        report(args, { ...r, manifest: undefined }, stageLine('self-eval', r));
      } finally {
        await backend.close();
      }
    });
  },
};
export default command;
