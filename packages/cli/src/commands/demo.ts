import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SelfjError, openPipelineDeps, runPipeline } from '@selfj/core';
import { runReportFlag, writeRunReport } from '../io/report-hook.js';
import { defineCommand } from '../options/command.js';
import { configFlags, modelFlags } from '../options/common.js';
import { makeLogger, resolveCommandConfig, sessionArgs, withSession } from '../session.js';
import { summaryTable } from './pipeline-summary.js';

const flags = {
  plugin: configFlags.plugin,
  out: { setting: 'out', describe: 'Output directory (default ./selfj-demo; rerun to resume)' },
  backend: modelFlags.backend,
  model: { ...modelFlags.model, describe: 'GGUF path or hf:owner/repo/file.gguf (default: the default model, or SELFJ_MODEL offline)' },
  embedder: { setting: 'similarity.embedder', describe: 'Embedder id (default: static word vectors: SELFJ_VECTORS, or built once with selfj build-vectors)' },
  threads: modelFlags.threads,
  samples: { setting: 'sample.samples', describe: 'Responses per instruction (default 2)' },
  'max-tokens': { setting: 'sample.maxTokens', describe: 'Max new tokens per response (default 48)' },
  limit: { setting: 'data.limit', describe: 'Use only the first N instructions' },
  seed: { setting: 'seed' },
  'min-digit-mass': { setting: 'scoring.minDigitMass', describe: 'Floor on the digit mass (default 0 in the demo so that any model runs, the tiny dev model included; 0.05 elsewhere)' },
  force: { schema: z.boolean().default(false), describe: 'Redo every stage' },
  ...runReportFlag,
} as const;

/** What the demo changes from the defaults: a small, quick run that still shows every stage. */
const DEMO_SETTINGS = {
  out: './selfj-demo',
  onBadRecord: 'skip',
  backend: { batchSize: 8, concurrency: 1 },
  sample: { samples: 2, maxTokens: 48, temperature: 0.7, topP: 0.9 },
  // The static embedder may build its word vectors once (an npm download) when none are found.
  similarity: { options: { buildIfMissing: true } },
  train: { epochs: 40, batchSize: 16, lr: 3e-3, warmupSteps: 5, valSplit: 0.2, patience: 8 },
  calibrate: { targetRisk: 0.3, delta: 0.2, badBelow: 5 },
  // No digit-mass floor: the demo runs on whatever model it finds, including the tiny dev model, which is not
  // instruction-tuned and puts ~1e-4 of its probability on the digits (the default floor 0.05 would reject every
  // item). The summary prints the digit-mass distribution and says when the scores are close to noise.
  scoring: { minDigitMass: 0 },
};

/** The ~50 shipped instructions with references (common, coding, academic). */
export function demoDataFile(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const f = resolve(here, '../../data/demo-instructions.jsonl');
  if (!existsSync(f)) throw new SelfjError('NOT_FOUND', `The demo data ${f} is missing from this install.`, { solutions: ['Reinstall @selfj/cli'] });
  return f;
}

/** `selfj demo`: the whole Self-J pipeline on the shipped instructions, with the embedded backend. */
export default defineCommand({
  command: 'demo',
  describe: 'Run the whole pipeline (sample, self-eval, similarity, label, train, judge, calibrate, eval) on ~50 shipped instructions',
  flags,
  run: async ({ args, own }) => {
    const t0 = Date.now();
    const { config } = resolveCommandConfig(args, flags, { ...DEMO_SETTINGS, data: { source: demoDataFile() } });
    await withSession({ args: sessionArgs(args, own), config }, async (s) => {
      const deps = await openPipelineDeps(s.registry, s.ctx, config);
      try {
        const logger = makeLogger({ ...args, logFile: undefined }, join(config.out, 'events.jsonl'));
        s.say(`selfj demo: model ${deps.backend.id}, similarity ${deps.similarity.id}, output ${resolve(config.out)}`);
        if (config.scoring.minDigitMass === 0) s.say('selfj demo: no digit-mass floor (any model runs); see the digit mass in the summary');
        const r = await runPipeline({
          config,
          deps,
          signal: s.signal,
          logger,
          progress: s.progress,
          force: own.force,
          onStage: (st) => {
            if (!s.progress) s.say(`  ${st.stage}: ${st.status}, ${st.records} records, ${st.seconds.toFixed(1)}s`);
          },
        });
        r.seconds = (Date.now() - t0) / 1000;
        const rep = own.report ? await writeRunReport(config.out, s.say) : {};
        if (args.json) process.stdout.write(`${JSON.stringify({ ...r, ...rep })}\n`);
        else if (!args.quiet) process.stdout.write(`\n${summaryTable(r)}\n\nArtifacts: ${resolve(config.out)} (judge: ${join(config.out, 'train')})\n${rep.report ? `Report: ${rep.report}\n` : ''}`);
      } finally {
        await Promise.all([deps.sampler.close?.(), deps.similarity.close?.()]);
      }
    });
  },
});
