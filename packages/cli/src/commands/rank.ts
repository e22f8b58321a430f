import type { CommandModule } from 'yargs';
import { SelfjError, modelRankingAgreement } from '@selfj/core';
import { getPath, numberField, readJsonlRecords } from '../io/fields.js';
import { fmt, table, writeFileAtomic } from '../io/output.js';

interface RankArgs {
  input: string;
  'model-field': string;
  'score-field': string;
  'reference-field'?: string;
  out?: string;
  json: boolean;
}

interface ModelRow {
  model: string;
  items: number;
  meanScore: number;
  meanReference?: number;
}

/** `selfj rank`: rank models by their mean judge score over a benchmark's outputs. */
const rankCommand: CommandModule<object, RankArgs> = {
  command: 'rank',
  describe: 'Rank models by mean judge score (optionally against a reference score, e.g. GPT-4)',
  builder: (y) =>
    y
      .option('input', { type: 'string', demandOption: true, describe: 'JSONL: one judged output per line' })
      .option('model-field', { type: 'string', default: 'model', describe: 'Field naming the model that wrote the output' })
      .option('score-field', { type: 'string', default: 'score', describe: 'Judge score field (dotted path)' })
      .option('reference-field', { type: 'string', describe: 'Reference score field: report rank agreement with it' })
      .option('out', { type: 'string', describe: 'Also write the ranking as JSON' }) as never,
  handler: async (args) => {
    const sums = new Map<string, { n: number; s: number; r: number }>();
    for await (const { line, record } of readJsonlRecords(args.input)) {
      const where = `${args.input}:${line}`;
      const model = getPath(record, args['model-field']);
      if (typeof model !== 'string' || !model) {
        throw new SelfjError('BAD_RECORD', `${where}: field "${args['model-field']}" does not name a model.`);
      }
      const acc = sums.get(model) ?? { n: 0, s: 0, r: 0 };
      acc.n++;
      acc.s += numberField(record, args['score-field'], where);
      if (args['reference-field']) acc.r += numberField(record, args['reference-field'], where);
      sums.set(model, acc);
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
    const result = { input: args.input, models: rows, agreement };
    if (args.out) await writeFileAtomic(args.out, `${JSON.stringify(result, null, 2)}\n`);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    const header = ['rank', 'model', 'items', 'mean judge score', ...(args['reference-field'] ? ['mean reference'] : [])];
    const body = rows.map((r, i) => [i + 1, r.model, r.items, fmt(r.meanScore), ...(r.meanReference !== undefined ? [fmt(r.meanReference)] : [])]);
    let text = table([header, ...body]);
    if (agreement) text += `\n\nagreement with the reference ranking: Spearman ${fmt(agreement.spearman)}, Kendall tau-b ${fmt(agreement.kendallTauB)}`;
    process.stdout.write(`${text}\n`);
  },
};
export default rankCommand;
