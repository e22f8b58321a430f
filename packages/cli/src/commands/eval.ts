import { z } from 'zod';
import { SelfjError } from '@selfj/core';
import { evaluateScores, pairwiseAgreement, type EvaluationReport, type Preference } from '@selfj/core/metrics';
import { writeFileAtomic } from '@selfj/core/infra';
import { evalReportInputs, pairsReportInputs } from '@selfj/report';
import { getPath, numberField, readJsonlRecords } from '../io/fields.js';
import { fmt, table } from '../io/output.js';
import { printReportLine, reportFlag, writeCommandReport } from '../io/report-hook.js';
import { defineCommand, type OwnValues } from '../options/command.js';
import { scoredItemFlags } from './calibrate.js';

const coverageList = z
  .string()
  .transform((s) => s.split(',').map((x) => Number(x.trim())))
  .pipe(z.array(z.number().gt(0).max(1)).min(1));

const flags = {
  input: { schema: z.string().min(1).optional(), describe: 'JSONL with one scored item per line' },
  pairs: { schema: z.string().min(1).optional(), describe: 'JSONL with one preference pair per line' },
  ...scoredItemFlags,
  'max-grade': { schema: z.number().gt(0).default(10), describe: "The grader's best score, > 0 (graded loss = (max - grade) / (max - min))" },
  'min-grade': { schema: z.number().finite().default(1), describe: "The grader's worst score; default 1 (with --max-grade 10: GPT-4's 1-10 ratings). A grade outside [min, max] is a bad record" },
  'category-field': { schema: z.string().min(1).optional(), describe: 'Field for a per-category breakdown, e.g. scenario' },
  coverages: { schema: coverageList.default([0.2, 0.4, 0.6, 0.8, 1]), describe: 'Coverages for selective risk, comma-separated, each in (0, 1] (default 0.2,0.4,0.6,0.8,1)' },
  'score-a-field': { schema: z.string().min(1).default('score_a'), describe: 'Pairs: judge score of response A' },
  'score-b-field': { schema: z.string().min(1).default('score_b'), describe: 'Pairs: judge score of response B' },
  'label-field': { schema: z.string().min(1).default('label'), describe: 'Pairs: which response is better' },
  'label-a': { schema: z.string().default('a'), describe: 'Pairs: label value meaning A is better (e.g. 1)' },
  'label-b': { schema: z.string().default('b'), describe: 'Pairs: label value meaning B is better (e.g. 2)' },
  'label-tie': { schema: z.string().default('tie'), describe: 'Pairs: label value meaning a tie' },
  out: { schema: z.string().min(1).optional(), describe: 'Also write the report as JSON to this file' },
  ...reportFlag,
} as const;

type EvalArgs = OwnValues<typeof flags>;

/** `selfj eval`: judge scores against grader scores (correlations, risk-coverage, AUROC) or preference pairs. */
export default defineCommand({
  command: 'eval',
  describe: 'Evaluate judge scores against grader scores or preference pairs (any JSONL; fields by flag)',
  flags,
  run: async ({ args, own }) => {
    if (!own.input === !own.pairs) throw new SelfjError('BAD_INPUT', 'Give exactly one of --input (scored items) or --pairs (preference pairs).');
    const cols = { scores: [] as number[], grades: [] as number[], categories: [] as string[] };
    const report = own.input ? await evalItems(own, cols) : await evalPairs(own);
    if (own.out) writeFileAtomic(own.out, `${JSON.stringify(report, null, 2)}\n`);
    const fields = { scoreField: own['score-field'], graderField: own['grader-field'] };
    const inputs = 'items' in report ? evalReportInputs({ ...cols, categories: own['category-field'] ? cols.categories : undefined, input: report.input, ...fields, ...report.scale }) : pairsReportInputs(report);
    const file = own.report ? await writeCommandReport(inputs, own.report) : undefined;
    if (args.json) process.stdout.write(`${JSON.stringify(file ? { ...report, report: file } : report)}\n`);
    else process.stdout.write(`${'items' in report ? renderItems(report.items, report.skipped, report.scale) : renderPairs(report)}\n`);
    printReportLine(args, file);
  },
});

type Scale = { minGrade: number; maxGrade: number; badBelow: number };

/** `cols` receives the items evaluated (for --report). */
async function evalItems(args: EvalArgs, cols: { scores: number[]; grades: number[]; categories: string[] }): Promise<{ input: string; skipped: { lines: number; records: number }; scale: Scale; items: EvaluationReport }> {
  const [min, max] = [args['min-grade'], args['max-grade']];
  if (!(max > min)) throw new SelfjError('BAD_INPUT', `--max-grade (${max}) must be above --min-grade (${min}).`);
  const { scores, grades, categories } = cols;
  const skipped = { lines: 0, records: 0 };
  for await (const { line, record } of readJsonlRecords(args.input!, args['on-bad-record'], skipped)) {
    const where = `${args.input}:${line}`;
    try {
      const s = numberField(record, args['score-field'], where);
      const g = numberField(record, args['grader-field'], where);
      if (g < min || g > max) {
        throw new SelfjError('BAD_RECORD', `${where}: grade ${g} (field "${args['grader-field']}") is outside the scale [${min}, ${max}].`, {
          solutions: ['Give the grader\'s scale with --min-grade and --max-grade', 'Or pass --on-bad-record skip'],
        });
      }
      scores.push(s);
      grades.push(g);
      if (args['category-field']) categories.push(String(getPath(record, args['category-field']) ?? 'unknown'));
    } catch (e) {
      if (args['on-bad-record'] === 'fail') throw e;
      skipped.records++;
    }
  }
  if (scores.length < 2) {
    throw new SelfjError('BAD_INPUT', `${args.input}: only ${scores.length} usable items; metrics need at least 2.`);
  }
  const coverages = args.coverages;
  const items = evaluateScores(scores, grades, {
    minGrade: min,
    maxGrade: max,
    badBelow: args['bad-below'],
    coverages,
    categories: args['category-field'] ? categories : undefined,
    minCategorySize: 5,
  });
  return { input: args.input!, skipped, scale: { minGrade: min, maxGrade: max, badBelow: args['bad-below'] }, items };
}

async function evalPairs(args: EvalArgs) {
  const a: number[] = [];
  const b: number[] = [];
  const labels: Preference[] = [];
  const skipped = { lines: 0, records: 0 };
  for await (const { line, record } of readJsonlRecords(args.pairs!, args['on-bad-record'], skipped)) {
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
      skipped.records++;
    }
  }
  return { input: args.pairs!, skipped, pairwise: pairwiseAgreement(a, b, labels) };
}

function renderItems(r: EvaluationReport, skipped: { lines: number; records: number }, scale: Scale): string {
  const rows: (string | number)[][] = [['metric', 'value']];
  rows.push(['grade scale', `${scale.minGrade}..${scale.maxGrade} (loss (max - grade) / (max - min)), bad below ${scale.badBelow}`]);
  rows.push(['items', r.n], ['Pearson', fmt(r.pearson)], ['Spearman', fmt(r.spearman)], ['Kendall tau-b', fmt(r.kendallTauB)]);
  rows.push(['AURC (graded loss)', fmt(r.aurc)], ['  random / oracle', `${fmt(r.aurcRandom)} / ${fmt(r.aurcOracle)}`]);
  rows.push(['AURC (bad = 1)', fmt(r.aurcBinary)], ['AUROC (bad answers)', fmt(r.auroc)], ['bad rate', fmt(r.badRate)]);
  for (const s of r.selectiveRisk) {
    rows.push([`risk @ coverage ${s.coverage}`, `${fmt(s.risk)} (bad share ${fmt(s.riskBinary)}, at ${fmt(s.achievedCoverage, 3)})`]);
  }
  if (skipped.lines + skipped.records) rows.push(['skipped (bad lines / records)', `${skipped.lines} / ${skipped.records}`]);
  let out = table(rows);
  const cats = Object.entries(r.byCategory);
  if (cats.length) {
    const crow: (string | number)[][] = [['category', 'n', 'Pearson', 'Spearman', 'AUROC', 'AURC']];
    for (const [c, m] of cats) crow.push([c, m.n, fmt(m.pearson), fmt(m.spearman), fmt(m.auroc), fmt(m.aurc)]);
    out += `\n\n${table(crow)}`;
  }
  return out;
}

function renderPairs(r: { pairwise: ReturnType<typeof pairwiseAgreement>; skipped: { lines: number; records: number } }): string {
  const p = r.pairwise;
  return table([
    ['metric', 'value'],
    ['pairs', p.pairs],
    ['agreement (judge ties excluded)', fmt(p.agreementExcludingTies)],
    ['agreement (judge ties = 1/2)', fmt(p.agreementTiesHalf)],
    ['judge ties', p.judgeTies],
    ['label ties', p.labelTies],
    ['skipped (bad lines / records)', `${r.skipped.lines} / ${r.skipped.records}`],
  ]);
}
