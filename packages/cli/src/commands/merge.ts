import { z } from 'zod';
import { DEFAULT_CONFIG } from '@selfj/core';
import { createLogger, mergeStageShards } from '@selfj/core/infra';
import { describeDigitMass, recordDigitMass } from '@selfj/core/stages';
import { defineCommand } from '../options/command.js';

const flags = {
  shards: { schema: z.array(z.string().min(1)).min(1), positional: true, describe: "The sharded stage's --out directory, or its shard-i-of-N directories" },
  out: { schema: z.string().min(1).optional(), describe: 'Merged stage directory (default: the directory holding the shards)' },
  force: { schema: z.boolean().default(false), describe: 'Replace an artifact in --out made with other settings' },
  'log-file': { schema: z.string().min(1).optional(), describe: 'Append structured JSON log events to this file' },
  'min-digit-mass': {
    schema: z.number().min(0).max(1).optional(),
    describe: 'Only for shards whose manifest does not record its digit-mass floor (judge shards from before it did): the scoring.minDigitMass they ran with, for the digit-mass summary',
  },
} as const;

/** `selfj merge`: the shards of one stage (`--shard i/N` runs) -> the artifact a single run writes. */
export default defineCommand({
  command: 'merge <shards..>',
  describe: 'Join the shards of a stage (run with --shard i/N) into the artifact one process would have written',
  flags,
  extend: (y) =>
    y
      .example('$0 sample --out run/sample --shard 0/3   # ... 1/3, 2/3 on other machines', '')
      .example('$0 merge run/sample', 'writes run/sample/records.jsonl, rejects.jsonl, manifest.json'),
  run: async ({ args: cli, own: args }) => {
    const logger = createLogger({ file: args['log-file'] });
    const r = await mergeStageShards({ inputs: args.shards, out: args.out, force: args.force, logger });
    // `selfj self-eval` / `selfj judge` add the digit-mass summary to a whole artifact's manifest; so does the merge.
    const recorded = (r.manifest.config as { minDigitMass?: unknown } | undefined)?.minDigitMass;
    const floor = typeof recorded === 'number' ? recorded : (args['min-digit-mass'] ?? DEFAULT_CONFIG.scoring.minDigitMass);
    const digitMass = await recordDigitMass(r.dir, floor, logger);
    const c = r.manifest.counts;
    const human =
      r.status === 'skipped'
        ? `merge: ${r.dir} is already merged for this config (use --force to redo)`
        : `merge: ${r.shards.length} "${r.manifest.stage}" shards -> ${r.dir} (${c.records} records, ${c.rejected} rejected) in ${r.seconds.toFixed(1)}s${digitMass ? `\n${describeDigitMass(digitMass)}` : ''}`;
    if (cli.json) process.stdout.write(`${JSON.stringify({ status: r.status, dir: r.dir, stage: r.manifest.stage, shards: r.shards, counts: c, configHash: r.manifest.configHash, seconds: r.seconds, digitMass })}\n`);
    else if (!cli.quiet) process.stdout.write(`${human}\n`);
  },
});
