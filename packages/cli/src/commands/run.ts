import { join } from 'node:path';
import type { CommandModule } from 'yargs';
import { CONFIG_SCHEMA, PIPELINE_STAGES, SelfjError, runPipeline, type PipelineStage } from '@selfj/core';
import { commonOptions, loadConfig, makeLogger, openBackend, openEmbedder, progressOn, withAbort, type ModelArgs } from './engine-support.js';
import { summaryTable } from './pipeline-summary.js';

interface Args extends ModelArgs {
  out?: string;
  until?: PipelineStage;
  schema: boolean;
  vectors?: string;
}

/** `selfj run`: the whole pipeline from one config file; complete stages are skipped, partial ones resumed. */
const command: CommandModule<object, Args> = {
  command: 'run',
  describe: 'Run the whole pipeline from a config file (skips complete stages, resumes partial ones)',
  builder: (y) =>
    commonOptions(y)
      .option('out', { type: 'string', describe: 'Override the output directory of the config' })
      .option('until', { choices: PIPELINE_STAGES, describe: 'Stop after this stage' })
      .option('vectors', { type: 'string', describe: 'Word vectors for the static embedder (overrides similarity.embedder)' })
      .option('threads', { type: 'number', describe: 'CPU threads for the in-process backend' })
      .option('schema', { type: 'boolean', default: false, describe: 'Print the JSON schema of the config file and exit' }) as never,
  handler: async (args) => {
    if (args.schema) {
      process.stdout.write(`${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`);
      return;
    }
    if (!args.config) throw new SelfjError('BAD_INPUT', 'selfj run needs --config <file.json>.', { solutions: ['See `selfj run --schema` for the format', 'Or try `selfj demo`'] });
    const config = loadConfig(args.config);
    if (args.out) config.out = args.out;
    if (args['on-bad-record']) config.onBadRecord = args['on-bad-record'];
    if (!config.data.source) throw new SelfjError('BAD_CONFIG', `${args.config}: data.source is required (a JSONL file, a glob, or hf://datasets/owner/name@revision).`);
    await withAbort(async (signal) => {
      const backend = await openBackend(args, config, signal);
      try {
        const embedder = await openEmbedder(args.vectors, config);
        const logger = makeLogger(args, join(config.out, 'events.jsonl'));
        const r = await runPipeline({ config, deps: { backend, embedder }, signal, logger, progress: progressOn(args), until: args.until, force: args.force });
        if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (!args.quiet) process.stdout.write(`${summaryTable(r)}\n`);
      } finally {
        await backend.close();
      }
    });
  },
};
export default command;
