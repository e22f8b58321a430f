import type { CommandModule } from 'yargs';
import { SelfjError, readTau, runSelect } from '@selfj/core';
import { commonOptions, loadConfig, report, stageIo, stageLine, withAbort, type CommonArgs } from './engine-support.js';

interface Args extends CommonArgs {
  input: string;
  out: string;
  tau?: string;
  threshold?: string;
  'score-field': string;
}

/** `selfj select`: answer iff score >= tau, with the reason. */
const command: CommandModule<object, Args> = {
  command: 'select',
  describe: 'Apply the threshold tau: each item answered or declined, with its score and the reason',
  builder: (y) =>
    commonOptions(y)
      .option('input', { type: 'string', demandOption: true, describe: 'Judged items (judge output)' })
      .option('out', { type: 'string', default: 'selfj-out/select', describe: 'Stage directory' })
      .option('tau', { type: 'string', describe: 'The threshold as a number' })
      .option('threshold', { type: 'string', describe: 'A threshold file written by `selfj calibrate`' })
      .option('score-field', { type: 'string', default: 'score' }) as never,
  handler: async (args) => {
    const source = args.tau ?? args.threshold;
    if (source === undefined) throw new SelfjError('BAD_INPUT', 'select needs --tau <number> or --threshold <file from selfj calibrate>.');
    const tau = readTau(source);
    await withAbort(async (signal) => {
      const r = await runSelect({ dir: args.out, input: args.input, tau, scoreField: args['score-field'], ...stageIo(args, signal, loadConfig(args.config)) });
      report(args, { ...r, manifest: undefined, tau }, `${stageLine('select', r)} (tau ${tau ?? 'none: decline all'})`);
    });
  },
};
export default command;
