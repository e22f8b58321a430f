import type { CommandModule } from 'yargs';
import { SelfjError, calibrateThreshold, type CalibrationResult } from '@selfj/core';
import { numberField, readJsonlRecords } from '../io/fields.js';
import { fmt, table, writeFileAtomic } from '../io/output.js';

interface CalibrateArgs {
  input: string;
  'score-field': string;
  'grader-field': string;
  'bad-below': number;
  'target-risk': number;
  delta: number;
  'grid-step': number;
  'grid-min': number;
  'grid-max': number;
  out: string;
  'on-bad-record': 'fail' | 'skip';
  json: boolean;
}

/** The file `selfj select` and `selfj rerank` read: the threshold and the guarantee it comes with. */
export type ThresholdFile = Omit<CalibrationResult, 'candidates'> & {
  scoreField: string;
  graderField: string;
  badBelow: number;
};

/** `selfj calibrate`: choose tau on a labelled calibration set for a target risk at confidence 1 - delta. */
const calibrateCommand: CommandModule<object, CalibrateArgs> = {
  command: 'calibrate',
  describe: 'Choose the answer threshold tau for a target risk with a finite-sample guarantee (Learn-Then-Test)',
  builder: (y) =>
    y
      .option('input', { type: 'string', demandOption: true, describe: 'Calibration JSONL: judge score + grader score per item' })
      .option('score-field', { type: 'string', default: 'score', describe: 'Judge score field (dotted path)' })
      .option('grader-field', { type: 'string', default: 'grade', describe: 'Grader score field' })
      .option('bad-below', { type: 'number', default: 6, describe: 'A grade below this is a bad answer' })
      .option('target-risk', { type: 'number', default: 0.1, describe: 'Highest acceptable share of bad answers among those answered' })
      .option('delta', { type: 'number', default: 0.1, describe: 'Allowed failure probability of the guarantee (confidence 1 - delta)' })
      .option('grid-min', { type: 'number', default: 0, describe: 'Threshold grid start (fixed before seeing data)' })
      .option('grid-max', { type: 'number', default: 9, describe: 'Threshold grid end' })
      .option('grid-step', { type: 'number', default: 0.1, describe: 'Threshold grid step' })
      .option('out', { type: 'string', default: 'threshold.json', describe: 'Where to write the threshold file' })
      .option('on-bad-record', { choices: ['fail', 'skip'] as const, default: 'fail' as const }) as never,
  handler: async (args) => {
    if (!(args['grid-step'] > 0) || args['grid-max'] <= args['grid-min']) {
      throw new SelfjError('BAD_INPUT', 'The threshold grid needs --grid-step > 0 and --grid-max > --grid-min.');
    }
    const scores: number[] = [];
    const bad: boolean[] = [];
    for await (const { line, record } of readJsonlRecords(args.input)) {
      const where = `${args.input}:${line}`;
      try {
        const s = numberField(record, args['score-field'], where);
        const g = numberField(record, args['grader-field'], where);
        scores.push(s);
        bad.push(g < args['bad-below']);
      } catch (e) {
        if (args['on-bad-record'] === 'fail') throw e;
      }
    }
    const steps = Math.round((args['grid-max'] - args['grid-min']) / args['grid-step']);
    const grid = Array.from({ length: steps + 1 }, (_, i) => Number((args['grid-min'] + i * args['grid-step']).toFixed(10)));
    const r = calibrateThreshold({ scores, bad, targetRisk: args['target-risk'], delta: args.delta, grid });
    const { candidates: _candidates, ...result } = r;
    const file: ThresholdFile = { ...result, scoreField: args['score-field'], graderField: args['grader-field'], badBelow: args['bad-below'] };
    await writeFileAtomic(args.out, `${JSON.stringify(file, null, 2)}\n`);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(file)}\n`);
      return;
    }
    process.stdout.write(
      `${table([
        ['calibration items', r.n],
        ['target risk / delta', `${r.targetRisk} / ${r.delta}`],
        ['tau', r.tau === null ? 'none certified: decline everything' : r.tau],
        ['coverage at tau', fmt(r.coverage)],
        ['bad share at tau', fmt(r.selectedRisk)],
        [`risk upper bound (${fmt(1 - r.delta / r.gridSize, 6)})`, fmt(r.riskUpperBound)],
        ['written to', args.out],
      ])}\n`,
    );
  },
};
export default calibrateCommand;
