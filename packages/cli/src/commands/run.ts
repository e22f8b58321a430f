import { join } from 'node:path';
import { z } from 'zod';
import { CONFIG_SCHEMA, PIPELINE_STAGES, SelfjError, openPipelineDeps, runPipeline } from '@selfj/core';
import { defineCommand } from '../options/command.js';
import { modelFlags, stageFlags } from '../options/common.js';
import { resolveCommandConfig, sessionArgs, withSession } from '../session.js';
import { summaryTable } from './pipeline-summary.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  out: { setting: 'out', describe: 'Output directory (overrides the config\'s "out")' },
  data: { setting: 'data.source', describe: 'Data set: a JSONL/JSON/CSV/Parquet file or glob, or hf://datasets/<owner>/<name>@<revision>' },
  limit: { setting: 'data.limit' },
  until: { schema: z.enum(PIPELINE_STAGES).optional(), describe: 'Stop after this stage' },
  schema: { schema: z.boolean().default(false), describe: 'Print the JSON schema of the config file and exit' },
} as const;

/** `selfj run`: the whole pipeline from one config file; complete stages are skipped, partial ones resumed. */
export default defineCommand({
  command: 'run',
  describe: 'Run the whole pipeline from a config file (skips complete stages, resumes partial ones)',
  flags,
  run: async ({ args, own }) => {
    if (own.schema) {
      process.stdout.write(`${JSON.stringify(CONFIG_SCHEMA, null, 2)}\n`);
      return;
    }
    if (!own.config && !own.data) {
      throw new SelfjError('BAD_INPUT', 'selfj run needs --config <file.json> (or at least --data <data set>).', {
        solutions: ['See `selfj run --schema` for the config format', 'Or try `selfj demo`'],
      });
    }
    const { config, configFile } = resolveCommandConfig(args, flags);
    if (!config.data.source) {
      throw new SelfjError('BAD_CONFIG', `${configFile ?? 'The command line'}: data.source is required (a JSONL file, a glob, or hf://datasets/owner/name@revision).`);
    }
    await withSession({ args: sessionArgs(args, own), config, configFile, logFile: join(config.out, 'events.jsonl') }, async (s) => {
      const deps = await openPipelineDeps(s.registry, s.ctx, config);
      try {
        const r = await runPipeline({ config, deps, signal: s.signal, logger: s.logger, progress: s.progress, until: own.until, force: own.force });
        if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (!args.quiet) process.stdout.write(`${summaryTable(r)}\n`);
      } finally {
        await Promise.all([deps.sampler.close?.(), deps.similarity.close?.()]);
      }
    });
  },
});
