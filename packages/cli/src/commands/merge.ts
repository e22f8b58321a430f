import type { CommandModule } from 'yargs';
import { createLogger, mergeStageShards } from '@selfj/core';

interface Args {
  json: boolean;
  quiet: boolean;
  shards: string[];
  out?: string;
  force: boolean;
  'log-file'?: string;
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
      .example('$0 sample --out run/sample --shard 0/3   # ... 1/3, 2/3 on other machines', '')
      .example('$0 merge run/sample', 'writes run/sample/records.jsonl, rejects.jsonl, manifest.json') as never,
  handler: async (args) => {
    const logger = createLogger({ file: args['log-file'] });
    const r = await mergeStageShards({ inputs: args.shards, out: args.out, force: args.force, logger });
    const c = r.manifest.counts;
    const human =
      r.status === 'skipped'
        ? `merge: ${r.dir} is already merged for this config (use --force to redo)`
        : `merge: ${r.shards.length} "${r.manifest.stage}" shards -> ${r.dir} (${c.records} records, ${c.rejected} rejected) in ${r.seconds.toFixed(1)}s`;
    if (args.json) process.stdout.write(`${JSON.stringify({ status: r.status, dir: r.dir, stage: r.manifest.stage, shards: r.shards, counts: c, configHash: r.manifest.configHash, seconds: r.seconds })}\n`);
    else if (!args.quiet) process.stdout.write(`${human}\n`);
  },
};
export default command;
