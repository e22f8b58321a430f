import type { CommandModule } from 'yargs';
import { readTau, runRerank } from '@selfj/core';
import { commonOptions, loadConfig, report, type CommonArgs } from './engine-support.js';

interface Args extends CommonArgs {
  input: string;
  out: string;
  tau?: string;
  threshold?: string;
  'score-field': string;
  'id-field': string;
}

/** `selfj rerank`: best-of-N by judge score; decline when even the best is below tau. */
const command: CommandModule<object, Args> = {
  command: 'rerank',
  describe: 'Best-of-N: keep the highest-scored response per instruction id; decline when even the best < tau',
  builder: (y) =>
    commonOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Judged samples (judge output, several per id)' })
      .option('out', { type: 'string', default: 'selfj-out/rerank', describe: 'Stage directory' })
      .option('tau', { type: 'string', describe: 'Threshold as a number (omit: never decline)' })
      .option('threshold', { type: 'string', describe: 'A threshold file written by `selfj calibrate`' })
      .option('score-field', { type: 'string', default: 'score' })
      .option('id-field', { type: 'string', default: 'id' }) as never,
  handler: async (args) => {
    const source = args.tau ?? args.threshold;
    const tau = source === undefined ? -Infinity : readTau(source);
    const r = await runRerank({ dir: args.out, input: args.input, tau, scoreField: args['score-field'], idField: args['id-field'], onBadRecord: args['on-bad-record'] ?? loadConfig(args.config).onBadRecord });
    report(args, { ...r }, `rerank: ${r.ids} ids, ${r.answered} answered, ${r.ids - r.answered} declined${r.rejected ? `, ${r.rejected} rejected` : ''} -> ${r.recordsFile}`);
  },
};
export default command;
