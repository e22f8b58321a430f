/**
 * `selfj meta-eval`: any judges on the standard public meta-evaluation sets, one table with the sets' published
 * numbers beside ours (--json: the result object; --out: the same JSON to a file, for `selfj report`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '@selfj/core/infra';
import { GROUPS, knownSets, plugin as metaEvalPlugin, readSetFile, renderTable, runMetaEval, type SetSpec } from '@selfj/meta-eval';
import { metaEvalReportInputs } from '@selfj/report';
import { printReportLine, reportFlag, writeCommandReport } from '../io/report-hook.js';
import { defineCommand } from '../options/command.js';
import { configFlags, modelFlags } from '../options/common.js';
import { resolveCommandConfig, sessionArgs, withSession } from '../session.js';

const flags = {
  ...configFlags,
  ...modelFlags,
  set: {
    schema: z.array(z.string().min(1)).default([]),
    describe: 'Set name, group (llmbar-adversarial, prometheus, all) or a set definition file (.json); repeatable',
  },
  judge: {
    schema: z.array(z.string().min(1)).default([]),
    describe:
      'Judge id, repeatable: a trained judge directory, zero-shot[:<backend>], self-eval-ref[:<backend>], length[:words], similarity[:<embedder>], perplexity[:<backend>], scores:<file.jsonl>#<field>, or a plugin\'s judge',
  },
  'data-dir': { schema: z.string().min(1).optional(), describe: 'Local copies of the sets\' files, at <dir>/<owner>/<name>/<path> (GitHub-hosted sets need this)' },
  limit: { schema: z.int().min(1).optional(), describe: 'Evaluate only the first N items of each set: pairs, graded items, best-of-N groups; of a ranking set, the first N instructions with every model\'s outputs on them' },
  out: { schema: z.string().min(1).optional(), describe: 'Also write the result JSON here (what `selfj report` reads)' },
  list: { schema: z.boolean().default(false), describe: 'List the known sets (with --json: their full definitions) and exit' },
  offline: { schema: z.boolean().default(false), describe: 'Hub files only from the local cache (as HF_HUB_OFFLINE=1)' },
  ...reportFlag,
} as const;

export default defineCommand({
  command: 'meta-eval',
  describe: 'Measure judges on standard meta-evaluation sets (pointwise, pairwise, model ranking, best-of-N) in one table',
  flags,
  run: async ({ args, own }) => {
    const { config, configFile } = resolveCommandConfig(args, flags);
    await withSession({ args: sessionArgs(args, own), config, configFile }, async (s) => {
      s.registry.register(metaEvalPlugin);
      if (own.list) {
        const sets = [...(await knownSets(s.registry)).values()];
        if (args.json) process.stdout.write(`${JSON.stringify({ sets, groups: GROUPS })}\n`);
        else {
          for (const set of sets) process.stdout.write(`${set.name.padEnd(22)} ${set.kind.padEnd(9)} ${set.title}\n`);
          for (const g of GROUPS) process.stdout.write(`${g.name.padEnd(22)} group     ${g.sets.join(', ')}\n`);
        }
        return;
      }
      const sets = own.set.flatMap((x): (string | SetSpec)[] => (x.endsWith(".json") && existsSync(x) ? readSetFile(x) : [x]));
      const result = await runMetaEval({
        registry: s.registry,
        ctx: s.ctx,
        sets: sets.length ? sets : ['all'],
        judges: own.judge.length ? own.judge : ['length'],
        dataDir: own['data-dir'] ? resolve(own['data-dir']) : undefined,
        hub: own.offline ? { offline: true } : {},
        limit: own.limit,
        batchSize: config.backend.batchSize,
        signal: s.signal,
        onProgress: s.say,
      });
      if (own.out) writeFileAtomic(own.out, `${JSON.stringify(result, null, 2)}\n`);
      const report = own.report ? await writeCommandReport(metaEvalReportInputs(result), own.report) : undefined;
      if (args.json) process.stdout.write(`${JSON.stringify(report ? { ...result, report } : result)}\n`);
      else if (!args.quiet) process.stdout.write(renderTable(result));
      printReportLine(args, report);
    });
  },
});
