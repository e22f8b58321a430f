import type { CommandModule } from 'yargs';
import { SelfjError, evaluateScores, pairwiseAgreement, type EvaluationReport, type Preference } from '@selfj/core';
import { getPath, numberField, readJsonlRecords } from '../io/fields.js';
import { fmt, table, writeFileAtomic } from '../io/output.js';

interface EvalArgs {
  input?: string;
  pairs?: string;
  'score-field': string;
  'grader-field': string;
  'max-grade': number;
  'bad-below': number;
  'category-field'?: string;
  coverages: string;
  'score-a-field': string;
  'score-b-field': string;
  'label-field': string;
  'label-a': string;
  'label-b': string;
  'label-tie': string;
  'on-bad-record': 'fail' | 'skip';
  out?: string;
  json: boolean;
}

/** `selfj eval`: judge scores against grader scores (correlations, risk-coverage, AUROC) or preference pairs. */
const evalCommand: CommandModule<object, EvalArgs> = {
  command: 'eval',
  describe: 'Evaluate judge scores against grader scores or preference pairs (any JSONL; fields by flag)',
  builder: (y) =>
    y
      .option('input', { type: 'string', describe: 'JSONL with one scored item per line' })
      .option('pairs', { type: 'string', describe: 'JSONL with one preference pair per line' })
      .option('score-field', { type: 'string', default: 'score', describe: 'Judge score field (dotted path)' })
      .option('grader-field', { type: 'string', default: 'grade', describe: 'Grader score field, e.g. gpt4_score' })
      .option('max-grade', { type: 'number', default: 10, describe: "The grader's best score (loss = 1 - grade/max)" })
      .option('bad-below', { type: 'number', default: 6, describe: 'A grade below this is a bad answer' })
      .option('category-field', { type: 'string', describe: 'Field for a per-category breakdown, e.g. scenario' })
      .option('coverages', { type: 'string', default: '0.2,0.4,0.6,0.8,1', describe: 'Coverages for selective risk' })
      .option('score-a-field', { type: 'string', default: 'score_a', describe: 'Pairs: judge score of response A' })
      .option('score-b-field', { type: 'string', default: 'score_b', describe: 'Pairs: judge score of response B' })
      .option('label-field', { type: 'string', default: 'label', describe: 'Pairs: which response is better' })
      .option('label-a', { type: 'string', default: 'a', describe: 'Pairs: label value meaning A is better (e.g. 1)' })
      .option('label-b', { type: 'string', default: 'b', describe: 'Pairs: label value meaning B is better (e.g. 2)' })
      .option('label-tie', { type: 'string', default: 'tie', describe: 'Pairs: label value meaning a tie' })
      .option('on-bad-record', { choices: ['fail', 'skip'] as const, default: 'fail' as const })
      .option('out', { type: 'string', describe: 'Also write the report as JSON to this file' })
      .check((a) => {
        if (!a.input === !a.pairs) throw new Error('Give exactly one of --input (scored items) or --pairs (preference pairs).');
        return true;
      }) as never,
  handler: async (args) => {
    const report = args.input ? await evalItems(args) : await evalPairs(args);
    if (args.out) await writeFileAtomic(args.out, `${JSON.stringify(report, null, 2)}\n`);
    if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${'items' in report ? renderItems(report.items) : renderPairs(report)}\n`);
  },
};
export default evalCommand;

async function evalItems(args: EvalArgs): Promise<{ input: string; skipped: number; items: EvaluationReport }> {
  const scores: number[] = [];
  const grades: number[] = [];
  const categories: string[] = [];
  let skipped = 0;
  for await (const { line, record } of readJsonlRecords(args.input!)) {
    const where = `${args.input}:${line}`;
    try {
      const s = numberField(record, args['score-field'], where);
      const g = numberField(record, args['grader-field'], where);
      scores.push(s);
      grades.push(g);
      if (args['category-field']) categories.push(String(getPath(record, args['category-field']) ?? 'unknown'));
    } catch (e) {
      if (args['on-bad-record'] === 'fail') throw e;
      skipped++;
    }
  }
  if (scores.length < 2) {
    throw new SelfjError('BAD_INPUT', `${args.input}: only ${scores.length} usable items; metrics need at least 2.`);
  }
  const coverages = args.coverages.split(',').map(Number);
  const items = evaluateScores(scores, grades, {
    maxGrade: args['max-grade'],
    badBelow: args['bad-below'],
    coverages,
    categories: args['category-field'] ? categories : undefined,
    minCategorySize: 5,
  });
  return { input: args.input!, skipped, items };
}

async function evalPairs(args: EvalArgs) {
  const a: number[] = [];
  const b: number[] = [];
  const labels: Preference[] = [];
  let skipped = 0;
  for await (const { line, record } of readJsonlRecords(args.pairs!)) {
    const where = `${args.pairs}:${line}`;
    try {
      const sa = numberField(record, args['score-a-field'], where);
      const sb = numberField(record, args['score-b-field'], where);
      const raw = String(getPath(record, args['label-field']));
      const label: Preference | undefined =
        raw === args['label-a'] ? 'a' : raw === args['label-b'] ? 'b' : raw === args['label-tie'] ? 'tie' : undefined;
      if (!label) {
        throw new SelfjError('BAD_RECORD', `${where}: label "${raw}" is none of ${args['label-a']}/${args['label-b']}/${args['label-tie']}.`, {
          solutions: ['Set --label-a, --label-b and --label-tie to the values your file uses.'],
        });
      }
      a.push(sa);
      b.push(sb);
      labels.push(label);
    } catch (e) {
      if (args['on-bad-record'] === 'fail') throw e;
      skipped++;
    }
  }
  return { input: args.pairs!, skipped, pairwise: pairwiseAgreement(a, b, labels) };
}

function renderItems(r: EvaluationReport): string {
  const rows: (string | number)[][] = [['metric', 'value']];
  rows.push(['items', r.n], ['Pearson', fmt(r.pearson)], ['Spearman', fmt(r.spearman)], ['Kendall tau-b', fmt(r.kendallTauB)]);
  rows.push(['AURC (graded loss)', fmt(r.aurc)], ['  random / oracle', `${fmt(r.aurcRandom)} / ${fmt(r.aurcOracle)}`]);
  rows.push(['AURC (bad = 1)', fmt(r.aurcBinary)], ['AUROC (bad answers)', fmt(r.auroc)], ['bad rate', fmt(r.badRate)]);
  for (const s of r.selectiveRisk) {
    rows.push([`risk @ coverage ${s.coverage}`, `${fmt(s.risk)} (bad share ${fmt(s.riskBinary)}, at ${fmt(s.achievedCoverage, 3)})`]);
  }
  let out = table(rows);
  const cats = Object.entries(r.byCategory);
  if (cats.length) {
    const crow: (string | number)[][] = [['category', 'n', 'Pearson', 'Spearman', 'AUROC', 'AURC']];
    for (const [c, m] of cats) crow.push([c, m.n, fmt(m.pearson), fmt(m.spearman), fmt(m.auroc), fmt(m.aurc)]);
    out += `\n\n${table(crow)}`;
  }
  return out;
}

function renderPairs(r: { pairwise: ReturnType<typeof pairwiseAgreement>; skipped: number }): string {
  const p = r.pairwise;
  return table([
    ['metric', 'value'],
    ['pairs', p.pairs],
    ['agreement (judge ties excluded)', fmt(p.agreementExcludingTies)],
    ['agreement (judge ties = 1/2)', fmt(p.agreementTiesHalf)],
    ['judge ties', p.judgeTies],
    ['label ties', p.labelTies],
    ['skipped records', r.skipped],
  ]);
}
