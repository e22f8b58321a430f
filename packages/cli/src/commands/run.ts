import { join } from 'node:path';
import { z } from 'zod';
import { CONFIG_SCHEMA, PIPELINE_STAGES, SelfjError, openPipelineDeps, runPipeline } from '@selfj/core';
import { runReportFlag, writeRunReport } from '../io/report-hook.js';
import { defineCommand } from '../options/command.js';
import { modelFlags, stageFlags } from '../options/common.js';
import { resolveCommandConfig, sessionArgs, withSession } from '../session.js';
import { describePlan, distributeStage, workerPlan, writeWorkerConfig } from '../workers/pipeline-workers.js';
import { summaryTable } from './pipeline-summary.js';

const flags = {
  ...stageFlags,
  ...modelFlags,
  out: { setting: 'out', describe: 'Output directory (overrides the config\'s "out")' },
  data: { setting: 'data.source', describe: 'Data set: a JSONL/JSON/CSV/Parquet file or glob, or hf://datasets/<owner>/<name>@<revision>' },
  limit: { setting: 'data.limit' },
  until: { schema: z.enum(PIPELINE_STAGES).optional(), describe: 'Stop after this stage' },
  workers: { setting: 'workers.count', describe: 'Run each stage listed in workers.stages as this many local shard processes, merged before the next stage (default 1: all in this process)' },
  'print-commands': { schema: z.boolean().default(false), describe: 'Print the shard and merge commands of --workers N for a scheduler (Kubernetes, SLURM) instead of running them' },
  schema: { schema: z.boolean().default(false), describe: 'Print the JSON schema of the config file and exit' },
  ...runReportFlag,
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
    const workers = config.workers.count > 1;
    if (own['print-commands'] && !workers) {
      throw new SelfjError('BAD_INPUT', '--print-commands prints the commands of a run across workers: it needs --workers N (N > 1) or workers.count in the config.', {
        solutions: ['Add --workers 8 (the number of shard processes per sharded stage)'],
      });
    }
    const workerConfig = workers ? writeWorkerConfig(config, { configFile, model: own.model, threads: own.threads }) : undefined;
    if (own['print-commands']) {
      const steps = workerPlan(config, workerConfig!);
      if (args.json) process.stdout.write(`${JSON.stringify({ config: workerConfig, workers: config.workers.count, steps })}\n`);
      else process.stdout.write(`${describePlan(steps, workerConfig!, config.workers.count)}\n`);
      return;
    }
    await withSession({ args: sessionArgs(args, own), config, configFile, logFile: join(config.out, 'events.jsonl') }, async (s) => {
      const deps = await openPipelineDeps(s.registry, s.ctx, config);
      try {
        const r = await runPipeline({
          config,
          deps,
          signal: s.signal,
          logger: s.logger,
          progress: s.progress,
          until: own.until,
          force: own.force,
          distribute: workerConfig
            ? (job, o) => distributeStage(job, { config, configPath: workerConfig, force: o.force, signal: s.signal, logger: s.logger, say: s.say })
            : undefined,
        });
        const rep = own.report ? await writeRunReport(config.out, s.say) : {};
        if (args.json) process.stdout.write(`${JSON.stringify({ ...r, ...rep })}\n`);
        else if (!args.quiet) process.stdout.write(`${summaryTable(r)}\n${rep.report ? `Report: ${rep.report}\n` : ''}`);
      } finally {
        await Promise.all([deps.sampler.close?.(), deps.similarity.close?.()]);
      }
    });
  },
});
