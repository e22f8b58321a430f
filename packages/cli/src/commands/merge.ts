import type { CommandModule } from 'yargs';
import { DEFAULT_CONFIG } from '@selfj/core';
import { createLogger, mergeStageShards } from '@selfj/core/infra';
import { describeDigitMass, recordDigitMass } from '@selfj/core/stages';

interface Args {
  json: boolean;
  quiet: boolean;
  shards: string[];
  out?: string;
  force: boolean;
  'log-file'?: string;
  'min-digit-mass'?: number;
}

/** `selfj merge`: the shards of one stage (`--shard i/N` runs) -> the artifact a single run writes. */
const command: CommandModule<object, Args> = {
  command: 'merge <shards..>',
  describe: 'Join the shards of a stage (run with --shard i/N) into the artifact one process would have written',
  builder: (y) =>
    y
      .positional('shards', { type: 'string', array: true, demandOption: true, describe: 'The sharded stage\'s --out directory, or its shard-i-of-N directories' })
      .option('out', { type: 'string', describe: 'Merged stage directory (default: the directory holding the shards)' })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an artifact in --out made with other settings' })
      .option('log-file', { type: 'string', describe: 'Append structured JSON log events to this file' })
      .option('min-digit-mass', { type: 'number', describe: 'Only for shards whose manifest does not record its digit-mass floor (judge shards from before it did): the scoring.minDigitMass they ran with, for the digit-mass summary' })
      .example('$0 sample --out run/sample --shard 0/3   # ... 1/3, 2/3 on other machines', '')
      .example('$0 merge run/sample', 'writes run/sample/records.jsonl, rejects.jsonl, manifest.json') as never,
  handler: async (args) => {
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
    if (args.json) process.stdout.write(`${JSON.stringify({ status: r.status, dir: r.dir, stage: r.manifest.stage, shards: r.shards, counts: c, configHash: r.manifest.configHash, seconds: r.seconds, digitMass })}\n`);
    else if (!args.quiet) process.stdout.write(`${human}\n`);
  },
};
export default command;
