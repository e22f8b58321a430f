import { z } from 'zod';
import { SelfjError } from '@selfj/core';
import { modelRankingAgreement } from '@selfj/core/metrics';
import { writeFileAtomic } from '@selfj/core/infra';
import { rankReportInputs } from '@selfj/report';
import { getPath, numberField, readJsonlRecords } from '../io/fields.js';
import { fmt, table } from '../io/output.js';
import { printReportLine, reportFlag, writeCommandReport } from '../io/report-hook.js';
import { defineCommand } from '../options/command.js';

const flags = {
  input: { schema: z.string().min(1), demand: true, describe: 'JSONL: one judged output per line' },
  'model-field': { schema: z.string().min(1).default('model'), describe: 'Field naming the model that wrote the output' },
  'score-field': { schema: z.string().min(1).default('score'), describe: 'Judge score field (dotted path)' },
  'reference-field': { schema: z.string().min(1).optional(), describe: 'Reference score field: report rank agreement with it' },
  'on-bad-record': { schema: z.enum(['fail', 'skip']).default('fail'), describe: 'Stop at a bad line or record (fail), or pass over it and count it (skip)' },
  out: { schema: z.string().min(1).optional(), describe: 'Also write the ranking as JSON' },
  ...reportFlag,
} as const;

interface ModelRow {
  model: string;
  items: number;
  meanScore: number;
  meanReference?: number;
}

/** `selfj rank`: rank models by their mean judge score over a benchmark's outputs. */
export default defineCommand({
  command: 'rank',
  describe: 'Rank models by mean judge score (optionally against a reference score, e.g. GPT-4)',
  flags,
  run: async ({ args: cli, own: args }) => {
    const skipped = { lines: 0, records: 0 };
    const sums = new Map<string, { n: number; s: number; r: number }>();
    for await (const { line, record } of readJsonlRecords(args.input, args['on-bad-record'], skipped)) {
      const where = `${args.input}:${line}`;
      let model: unknown;
      let score: number;
      let ref = 0;
      try {
        model = getPath(record, args['model-field']);
        if (typeof model !== 'string' || !model) throw new SelfjError('BAD_RECORD', `${where}: field "${args['model-field']}" does not name a model.`);
        score = numberField(record, args['score-field'], where);
        if (args['reference-field']) ref = numberField(record, args['reference-field'], where);
      } catch (e) {
        if (args['on-bad-record'] === 'fail') throw e;
        skipped.records++;
        continue;
      }
      const acc = sums.get(model as string) ?? { n: 0, s: 0, r: 0 };
      acc.n++;
      acc.s += score;
      acc.r += ref;
      sums.set(model as string, acc);
    }
    const rows: ModelRow[] = [...sums]
      .map(([model, a]) => ({
        model,
        items: a.n,
        meanScore: a.s / a.n,
        ...(args['reference-field'] ? { meanReference: a.r / a.n } : {}),
      }))
      .sort((a, b) => b.meanScore - a.meanScore || a.model.localeCompare(b.model));
    const agreement =
      args['reference-field'] && rows.length >= 2
        ? modelRankingAgreement(
            Object.fromEntries(rows.map((r) => [r.model, r.meanScore])),
            Object.fromEntries(rows.map((r) => [r.model, r.meanReference!])),
          )
        : undefined;
    const result = { input: args.input, models: rows, agreement, skipped };
    if (args.out) writeFileAtomic(args.out, `${JSON.stringify(result, null, 2)}\n`);
    const report = args.report ? await writeCommandReport(rankReportInputs({ input: args.input, models: rows, agreement }), args.report) : undefined;
    if (cli.json) {
      process.stdout.write(`${JSON.stringify(report ? { ...result, report } : result)}\n`);
      return;
    }
    const header = ['rank', 'model', 'items', 'mean judge score', ...(args['reference-field'] ? ['mean reference'] : [])];
    const body = rows.map((r, i) => [i + 1, r.model, r.items, fmt(r.meanScore), ...(r.meanReference !== undefined ? [fmt(r.meanReference)] : [])]);
    let text = table([header, ...body]);
    if (agreement) text += `\n\nagreement with the reference ranking: Spearman ${fmt(agreement.spearman)}, Kendall tau-b ${fmt(agreement.kendallTauB)}`;
    if (skipped.lines + skipped.records) text += `\nskipped: ${skipped.lines} bad line(s), ${skipped.records} bad record(s)`;
    process.stdout.write(`${text}\n`);
    printReportLine(cli, report);
  },
});
