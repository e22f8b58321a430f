import type { CommandModule } from 'yargs';
import { loadJudge, mergeTemplates, runJudge } from '@selfj/core';
import { loadConfig, modelOptions, openBackend, report, stageIo, stageLine, withAbort, type ModelArgs } from './engine-support.js';

interface Args extends ModelArgs {
  input: string;
  out: string;
  judge?: string;
  'instruction-field': string;
  'response-field': string;
}

/** `selfj judge`: reference-free scores, with a trained judge or zero-shot. */
const command: CommandModule<object, Args> = {
  command: 'judge',
  describe: 'Stage 6: reference-free judge scores for (instruction, response) items (trained judge or zero-shot)',
  builder: (y) =>
    modelOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'JSONL items with an instruction and a response' })
      .option('out', { type: 'string', default: 'selfj-out/judge', describe: 'Stage directory' })
      .option('judge', { type: 'string', describe: 'Trained judge directory (selfj train --out); omit for zero-shot' })
      .option('instruction-field', { type: 'string', default: 'instruction' })
      .option('response-field', { type: 'string', default: 'response' }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    const judge = args.judge ? loadJudge(args.judge) : undefined;
    await withAbort(async (signal) => {
      const backend = await openBackend(args, cfg, signal);
      try {
        const r = await runJudge({
          dir: args.out,
          input: args.input,
          backend,
          template: mergeTemplates(cfg.templates).referenceFree,
          judge,
          fields: { instruction: args['instruction-field'], response: args['response-field'] },
          batchSize: args['batch-size'] ?? cfg.backend.batchSize,
          ...stageIo(args, signal, cfg),
        });
        report(args, { ...r, manifest: undefined, mode: judge ? 'trained' : 'zero-shot' }, `${stageLine('judge', r)} (${judge ? 'trained judge' : 'zero-shot'})`);
      } finally {
        await backend.close();
      }
    });
  },
};
export default command;
