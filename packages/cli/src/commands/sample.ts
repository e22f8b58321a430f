import type { CommandModule } from 'yargs';
import { mergeTemplates, runSample } from '@selfj/core';
import { loadConfig, modelOptions, openBackend, report, stageIo, stageLine, withAbort, type ModelArgs } from './engine-support.js';

interface Args extends ModelArgs {
  input: string;
  out: string;
  samples?: number;
  temperature?: number;
  'top-p'?: number;
  'max-tokens'?: number;
  limit?: number;
}

/** `selfj sample`: the policy answers each instruction N times (stage 1). */
const command: CommandModule<object, Args> = {
  command: 'sample',
  describe: 'Stage 1: sample N responses per instruction from the policy model (resumable)',
  builder: (y) =>
    modelOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Instructions JSONL: {id, instruction, reference, category?}' })
      .option('out', { type: 'string', default: 'selfj-out/sample', describe: 'Stage directory (records.jsonl, manifest.json, rejects.jsonl)' })
      .option('samples', { type: 'number', describe: 'Responses per instruction (default 1)' })
      .option('temperature', { type: 'number', describe: 'Default 0.7' })
      .option('top-p', { type: 'number', describe: 'Default 0.9' })
      .option('max-tokens', { type: 'number', describe: 'Default 512' })
      .option('limit', { type: 'number', describe: 'Only the first N instructions' }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    await withAbort(async (signal) => {
      const backend = await openBackend(args, cfg, signal);
      try {
        const s = cfg.sample;
        const r = await runSample({
          dir: args.out,
          input: args.input,
          backend,
          config: { ...s, samples: args.samples ?? s.samples, temperature: args.temperature ?? s.temperature, topP: args['top-p'] ?? s.topP, maxTokens: args['max-tokens'] ?? s.maxTokens },
          fields: cfg.data.fields,
          limit: args.limit ?? cfg.data.limit,
          seed: args.seed ?? cfg.seed,
          template: mergeTemplates(cfg.templates).sample,
          concurrency: args.concurrency ?? cfg.backend.concurrency,
          ...stageIo(args, signal, cfg),
        });
        report(args, { ...r, manifest: undefined }, stageLine('sample', r));
      } finally {
        await backend.close();
      }
    });
  },
};
export default command;
