import { dirname } from 'node:path';
import { z } from 'zod';
import { SelfjError } from '@selfj/core';
import { calibrateThreshold, type CalibrationResult } from '@selfj/core/decide';
import { readManifest, writeFileAtomic, type ModelInfo } from '@selfj/core/infra';
import { calibrateReportInputs } from '@selfj/report';
import { getPath, numberField, readJsonlRecords } from '../io/fields.js';
import { fmt, table } from '../io/output.js';
import { printReportLine, reportFlag, writeCommandReport } from '../io/report-hook.js';
import { defineCommand } from '../options/command.js';
import { configWithFlags } from '../options/flags.js';

/** Most points the threshold grid may have: the guarantee's correction grows with it, and memory too. */
export const MAX_GRID_POINTS = 10_001;

/** Flags of commands that read scored items from any JSONL (eval, calibrate). */
export const scoredItemFlags = {
  'score-field': { schema: z.string().min(1).default('score'), describe: 'Judge score field (dotted path)' },
  'grader-field': { schema: z.string().min(1).default('grade'), describe: 'Grader score field, e.g. gpt4_score' },
  'bad-below': { schema: z.number().finite().default(6), describe: 'A grade below this is a bad answer' },
  'on-bad-record': { schema: z.enum(['fail', 'skip']).default('fail'), describe: 'Stop at a bad line or record (fail), or pass over it and count it (skip)' },
} as const;

const flags = {
  input: { schema: z.string().min(1), demand: true, describe: 'Calibration JSONL: judge score + grader score per item' },
  ...scoredItemFlags,
  // the config's setting: one default and one range with `selfj run` (calibrateThreshold needs (0, 1))
  'target-risk': { setting: 'calibrate.targetRisk' },
  delta: { setting: 'calibrate.delta', describe: 'Allowed failure probability of the guarantee (confidence 1 - delta), in (0, 1)' },
  'grid-min': { schema: z.number().finite().default(0), describe: 'Threshold grid start (fixed before seeing data)' },
  'grid-max': { schema: z.number().finite().default(9), describe: 'Threshold grid end' },
  'grid-step': { schema: z.number().gt(0).default(0.1), describe: `Threshold grid step (the grid has at most ${MAX_GRID_POINTS} points)` },
  out: { schema: z.string().min(1).default('threshold.json'), describe: 'Where to write the threshold file' },
  procedure: { setting: 'calibrate.procedure' },
  'group-field': {
    schema: z.string().min(1).optional(),
    describe: 'Field naming the cluster of each item, e.g. id when there are several samples per instruction: one item per cluster is used (correlated samples make the guarantee too optimistic)',
  },
  seed: { setting: 'seed', describe: 'Seed of the choice of one item per cluster (with --group-field)' },
  ...reportFlag,
} as const;

/** The file `selfj select` and `selfj rerank` read: the threshold and the guarantee it comes with. */
export type ThresholdFile = Omit<CalibrationResult, 'candidates'> & {
  scoreField: string;
  graderField: string;
  badBelow: number;
  /** Lines and records passed over under --on-bad-record skip. */
  skipped?: { lines: number; records: number };
  /** The judge the scores came from (a `selfj judge` input's stage manifest), so `selfj gateway` can check it runs that judge. */
  judge?: { id: string; mode?: string; model?: ModelInfo; referenceFreeTemplate?: string; configHash: string };
};

/** The judge of a `selfj judge` output, read from the stage manifest beside it; undefined for any other input. */
function judgeOf(input: string): ThresholdFile['judge'] {
  let m: ReturnType<typeof readManifest>;
  try {
    m = readManifest(dirname(input));
  } catch {
    return undefined;
  }
  if (m?.stage !== 'judge') return undefined;
  return { id: (m.config as { judge: string }).judge, mode: m.extra?.mode as string | undefined, model: m.model, referenceFreeTemplate: m.templates?.referenceFree, configHash: m.configHash };
}

/** The cluster value of a record (a string or number field), or a typed error naming file, line and field. */
function clusterOf(record: Record<string, unknown>, field: string, where: string): string {
  const v = getPath(record, field);
  if (typeof v !== 'string' && typeof v !== 'number') {
    throw new SelfjError('BAD_RECORD', `${where}: field "${field}" is ${JSON.stringify(v) ?? 'missing'}, not a cluster id (a string or number).`, {
      solutions: ['Name the field with the instruction id in --group-field, or pass --on-bad-record skip.'],
    });
  }
  return String(v);
}

/** `selfj calibrate`: choose tau on a labelled calibration set for a target risk at confidence 1 - delta. */
export default defineCommand({
  command: 'calibrate',
  describe: 'Choose the answer threshold tau for a target risk with a finite-sample guarantee (Learn-Then-Test)',
  flags,
  run: async ({ args, own }) => {
    const config = configWithFlags({}, 'The command line', args, flags);
    const groupField = own['group-field'];
    const points = Math.floor((own['grid-max'] - own['grid-min']) / own['grid-step'] + 1e-9) + 1;
    if (own['grid-max'] <= own['grid-min']) throw new SelfjError('BAD_INPUT', `--grid-max (${own['grid-max']}) must be above --grid-min (${own['grid-min']}).`);
    if (points > MAX_GRID_POINTS) {
      throw new SelfjError('BAD_INPUT', `--grid-step ${own['grid-step']} makes a grid of ${points} thresholds; at most ${MAX_GRID_POINTS} are allowed.`, {
        solutions: [`Use --grid-step >= ${((own['grid-max'] - own['grid-min']) / (MAX_GRID_POINTS - 1)).toPrecision(2)}`, 'Or narrow --grid-min/--grid-max'],
      });
    }
    const scores: number[] = [];
    const bad: boolean[] = [];
    const grades: number[] = [];
    const groups: string[] = [];
    const ids = new Map<string, number>();
    const skipped = { lines: 0, records: 0 };
    for await (const { line, record } of readJsonlRecords(own.input, own['on-bad-record'], skipped)) {
      const where = `${own.input}:${line}`;
      try {
        const s = numberField(record, own['score-field'], where);
        const g = numberField(record, own['grader-field'], where);
        const group = groupField ? clusterOf(record, groupField, where) : undefined;
        scores.push(s);
        bad.push(g < own['bad-below']);
        grades.push(g);
        if (group !== undefined) groups.push(group);
        const id = record.id;
        if (typeof id === 'string' || typeof id === 'number') ids.set(String(id), (ids.get(String(id)) ?? 0) + 1);
      } catch (e) {
        if (own['on-bad-record'] === 'fail') throw e;
        skipped.records++;
      }
    }
    const grid = Array.from({ length: points }, (_, i) => Number((own['grid-min'] + i * own['grid-step']).toFixed(10)));
    const r = calibrateThreshold({
      scores,
      bad,
      targetRisk: config.calibrate.targetRisk,
      delta: config.calibrate.delta,
      grid,
      procedure: config.calibrate.procedure,
      ...(groupField ? { groups, groupBy: groupField, seed: config.seed } : {}),
    });
    // several items with one id and no --group-field: probably samples of one instruction, treated as independent
    const repeated = groupField ? 0 : [...ids.values()].filter((c) => c > 1).length;
    const { candidates: _candidates, ...result } = r;
    const file: ThresholdFile = { ...result, scoreField: own['score-field'], graderField: own['grader-field'], badBelow: own['bad-below'], skipped, judge: judgeOf(own.input) };
    writeFileAtomic(own.out, `${JSON.stringify(file, null, 2)}\n`);
    const items = { input: own.input, scores, grades, scoreField: own['score-field'], graderField: own['grader-field'], badBelow: own['bad-below'] };
    const report = own.report ? await writeCommandReport(calibrateReportInputs({ ...items, result: r }), own.report) : undefined;
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report ? { ...file, report } : file)}\n`);
      return;
    }
    process.stdout.write(
      `${table([
        ['calibration items', r.unit === 'group' ? `${r.n} (one per ${r.groupBy}, of ${r.itemsGiven})` : `${r.n} (each an independent draw)`],
        ['procedure', r.procedure === 'fixed-sequence' ? `fixed sequence (thresholds from high to low, each at level ${r.delta})` : `Bonferroni (each of ${r.gridSize} thresholds at level ${fmt(r.level, 6)})`],
        ['target risk / delta', `${r.targetRisk} / ${r.delta}`],
        ['tau', r.tau === null ? 'none certified: decline everything' : r.tau],
        ['coverage at tau', fmt(r.coverage)],
        ['bad share at tau', fmt(r.selectedRisk)],
        [`risk upper bound (confidence ${fmt(1 - r.level, 6)})`, fmt(r.riskUpperBound)],
        ...(skipped.lines + skipped.records ? [['skipped (bad lines / records)', `${skipped.lines} / ${skipped.records}`]] : []),
      ...(repeated ? [['warning', `${repeated} ids occur more than once: if they are samples of one instruction, pass --group-field id`]] : []),
        ['written to', own.out],
      ])}\n`,
    );
    printReportLine(args, report);
  },
});
