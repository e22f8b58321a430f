import type { CommandModule } from 'yargs';
import { runSimilarity } from '@selfj/core';
import { commonOptions, loadConfig, openEmbedder, report, stageIo, stageLine, withAbort, type CommonArgs } from './engine-support.js';

interface Args extends CommonArgs {
  input: string;
  out: string;
  vectors?: string;
  'batch-size'?: number;
}

/** `selfj similarity`: z2 = cosine of response and reference embeddings (native kernel). */
const command: CommandModule<object, Args> = {
  command: 'similarity',
  describe: 'Stage 3: cosine similarity z2 between response and reference embeddings',
  builder: (y) =>
    commonOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Records with response and reference (e.g. self-eval output)' })
      .option('out', { type: 'string', default: 'selfj-out/similarity', describe: 'Stage directory' })
      .option('vectors', { type: 'string', describe: 'Word-vector table for the static embedder (default SELFJ_VECTORS)' })
      .option('batch-size', { type: 'number', describe: 'Records per embed call (default 256)' }) as never,
  handler: async (args) => {
    const cfg = loadConfig(args.config);
    await withAbort(async (signal) => {
      const embedder = await openEmbedder(args.vectors, cfg);
      const r = await runSimilarity({
        dir: args.out,
        input: args.input,
        embedder,
        batchSize: args['batch-size'] ?? cfg.similarity.batchSize,
        ...stageIo(args, signal, cfg),
      });
      await embedder.close?.();
      report(args, { ...r, manifest: undefined }, stageLine('similarity', r));
    });
  },
};
export default command;
