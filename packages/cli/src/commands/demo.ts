import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { SelfjError, resolveConfig, runPipeline } from '@selfj/core';
import { makeLogger, openBackend, openEmbedder, progressOn, withAbort, type ModelArgs } from './engine-support.js';
import { summaryTable } from './pipeline-summary.js';

interface Args extends ModelArgs {
  out: string;
  vectors?: string;
  samples: number;
  'max-tokens': number;
  limit?: number;
}

/** The ~50 shipped instructions with references (common, coding, academic). */
export function demoDataFile(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const f = resolve(here, '../../data/demo-instructions.jsonl');
  if (!existsSync(f)) throw new SelfjError('NOT_FOUND', `The demo data ${f} is missing from this install.`, { solutions: ['Reinstall @selfj/cli'] });
  return f;
}

/** `selfj demo`: the whole Self-J pipeline on the shipped instructions, with the embedded backend. */
const command: CommandModule<object, Args> = {
  command: 'demo',
  describe: 'Run the whole pipeline (sample, self-eval, similarity, label, train, judge, calibrate, eval) on ~50 shipped instructions',
  builder: (y) =>
    y
      .option('out', { type: 'string', default: './selfj-demo', describe: 'Output directory (rerun to resume)' })
      .option('model', { type: 'string', describe: 'GGUF path or hf:owner/repo/file.gguf (default: the default model, or SELFJ_MODEL / the test model offline)' })
      .option('backend', { type: 'string', describe: 'Backend id instead of the in-process default' })
      .option('vectors', { type: 'string', describe: 'Word vectors for the similarity stage (default SELFJ_VECTORS or the repo test table)' })
      .option('threads', { type: 'number', describe: 'CPU threads for the model (default 2)' })
      .option('samples', { type: 'number', default: 2, describe: 'Responses per instruction' })
      .option('max-tokens', { type: 'number', default: 48, describe: 'Max new tokens per response' })
      .option('limit', { type: 'number', describe: 'Use only the first N instructions' })
      .option('seed', { type: 'number', default: 0 })
      .option('force', { type: 'boolean', default: false, describe: 'Redo every stage' }) as never,
  handler: async (args) => {
    const t0 = Date.now();
    await withAbort(async (signal) => {
      const backend = await openBackend({ ...args, threads: args.threads }, undefined, signal);
      try {
        const embedder = await openEmbedder(args.vectors, undefined, { log: args.quiet || args.json ? undefined : (l) => process.stderr.write(`${l}\n`) });
        const config = resolveConfig(
          {
            out: args.out,
            seed: args.seed ?? 0,
            onBadRecord: 'skip',
            data: { source: demoDataFile(), limit: args.limit },
            backend: { id: backend.id, batchSize: 8, concurrency: 1 },
            sample: { samples: args.samples, maxTokens: args['max-tokens'], temperature: 0.7, topP: 0.9 },
            similarity: { embedder: embedder.id },
            train: { epochs: 40, batchSize: 16, lr: 3e-3, warmupSteps: 5, valSplit: 0.2, patience: 8 },
            calibrate: { targetRisk: 0.3, delta: 0.2, badBelow: 5 },
          },
          'demo config',
        );
        const logger = makeLogger(args, join(config.out, 'events.jsonl'));
        if (!args.json && !args.quiet) process.stderr.write(`selfj demo: model ${backend.id}, vectors ${embedder.id}, output ${resolve(config.out)}\n`);
        const r = await runPipeline({
          config,
          deps: { backend, embedder },
          signal,
          logger,
          progress: progressOn(args),
          force: args.force,
          onStage: (s) => {
            if (!args.json && !args.quiet && !progressOn(args)) process.stderr.write(`  ${s.stage}: ${s.status}, ${s.records} records, ${s.seconds.toFixed(1)}s\n`);
          },
        });
        r.seconds = (Date.now() - t0) / 1000;
        if (args.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else if (!args.quiet) process.stdout.write(`\n${summaryTable(r)}\n\nArtifacts: ${resolve(config.out)} (judge: ${join(config.out, 'train')})\n`);
      } finally {
        await backend.close();
      }
    });
  },
};
export default command;
