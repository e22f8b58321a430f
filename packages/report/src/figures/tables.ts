/** Table-only figures: the headline metrics, the calibration as recorded, the pipeline's stages, telling examples. */
import type { EvaluationReport } from '@selfj/core/metrics';
import { fmt } from './common.js';
import type { Cell, Figure, Table } from './types.js';

const EXAMPLES = 5;
const TEXT_CHARS = 400;

export const summaryFigure: Figure = {
  id: 'summary',
  title: 'Headline metrics',
  guide: 'Correlations: higher is better (1 = same order as the grader); AURC: lower is better, read between the oracle and random values; AUROC: 0.5 is chance.',
  build: () => null,
  table(data): Table | null {
    const e = data.evaluation;
    const p = data.pairwise;
    if (!e?.trained && !e?.zeroShot && !p) return null;
    const rows: Cell[][] = [];
    if (e?.trained || e?.zeroShot) {
      // the same metrics against the data's external grade, when the run carries one (each column then says its grade)
      const x = data.external;
      const vs = x && data.items ? ` vs ${data.items.gradeName}` : '';
      const cols: [string, EvaluationReport | undefined][] = [[`${data.items?.scoreName ?? 'judge'}${vs}`, e.trained]];
      if (e.zeroShot) cols.push([vs ? `zero-shot${vs}` : 'zero-shot self-evaluation', e.zeroShot]);
      if (x?.evaluation.trained) cols.push([`${data.items?.scoreName ?? 'judge'} vs ${x.items.gradeName}`, x.evaluation.trained]);
      if (x?.evaluation.zeroShot) cols.push([`zero-shot vs ${x.items.gradeName}`, x.evaluation.zeroShot]);
      const row = (label: string, f: (m: EvaluationReport) => string | number) => rows.push([label, ...cols.map(([, m]) => (m ? f(m) : 'n/a'))]);
      row('items', (m) => m.n);
      row('Pearson', (m) => fmt(m.pearson));
      row('Spearman', (m) => fmt(m.spearman));
      row('Kendall tau-b', (m) => fmt(m.kendallTauB));
      row('AURC, bad = 1 (random = the bad rate)', (m) => fmt(m.aurcBinary));
      row('AURC, graded loss (random / oracle)', (m) => `${fmt(m.aurc)} (${fmt(m.aurcRandom)} / ${fmt(m.aurcOracle)})`);
      row('AUROC, bad answers', (m) => fmt(m.auroc));
      row('bad rate', (m) => fmt(m.badRate));
      for (const s of e.trained?.selectiveRisk ?? []) {
        row(`bad share at coverage ${s.coverage}`, (m) => {
          const x = m.selectiveRisk.find((y) => y.coverage === s.coverage);
          return x ? fmt(x.riskBinary) : 'n/a';
        });
      }
      return { columns: ['metric', ...cols.map(([n]) => n)], rows };
    }
    rows.push(['pairs', p!.pairs], ['agreement (judge ties excluded)', fmt(p!.agreementExcludingTies)], ['agreement (judge ties = 1/2)', fmt(p!.agreementTiesHalf)], ['judge ties', p!.judgeTies], ['label ties', p!.labelTies]);
    return { columns: ['preference pairs', 'value'], rows };
  },
};

export const calibrationFigure: Figure = {
  id: 'calibration',
  title: 'Calibration as recorded',
  guide: 'Every field of the calibration file: tau is the answer threshold, the guarantee holds for a fresh item drawn like the calibration items.',
  build: () => null,
  table(data): Table | null {
    const c = data.calibration;
    if (!c) return null;
    const rows: Cell[][] = [
      ['tau', c.tau === null ? 'none certified: decline everything' : c.tau],
      ['target risk', c.targetRisk],
      ['delta (1 - confidence)', c.delta],
    ];
    const opt: [string, unknown][] = [
      ['method', c.method],
      ['calibration items', c.n],
      ['candidate thresholds', c.gridSize],
      ['coverage at tau (calibration)', c.coverage],
      ['bad share at tau (calibration)', c.selectedRisk],
      ['risk upper bound at tau', c.riskUpperBound],
      ['coverage at tau (test)', c.test?.coverage],
      ['bad share at tau (test)', c.test?.risk],
    ];
    for (const [k, v] of opt) if (v !== undefined) rows.push([k, typeof v === 'number' ? Number(v.toPrecision(6)) : String(v)]);
    for (const [k, v] of Object.entries(c.other)) rows.push([k, v === null ? 'null' : typeof v === 'boolean' ? String(v) : v]);
    return { columns: ['field', 'value'], rows };
  },
};

export const pipelineFigure: Figure = {
  id: 'pipeline',
  title: 'Pipeline',
  guide: 'What produced these numbers: each stage with its records, rejects, time, config hash and the model and template fingerprints; the same hashes mean the same inputs and settings.',
  build: () => null,
  caption(data) {
    const p = data.pipeline;
    if (!p) return undefined;
    const model = data.model ? ` Model ${data.model.id}${data.model.fileHash ? ` (${data.model.fileHash})` : ''}.` : '';
    return `Run directory ${p.dir}.${model}${p.judgeMode ? ` Judge mode: ${p.judgeMode}.` : ''}`;
  },
  table(data): Table | null {
    const p = data.pipeline;
    if (!p || !p.stages.length) return null;
    return {
      columns: ['stage', 'status', 'records', 'rejects', 'seconds', 'config hash', 'model fingerprint', 'templates'],
      rows: p.stages.map((s) => [
        s.stage,
        s.status ?? (s.complete === false ? 'partial' : s.complete ? 'complete' : ''),
        s.records ?? '',
        s.rejected ?? '',
        s.seconds !== undefined ? fmt(s.seconds, 1) : '',
        s.configHash ?? '',
        s.modelFingerprint ?? '',
        s.templates ?? '',
      ]),
    };
  },
};

function clip(s: string | undefined): string {
  if (s === undefined) return '';
  return s.length > TEXT_CHARS ? `${s.slice(0, TEXT_CHARS)}… (${s.length} characters)` : s;
}

export const examplesFigure: Figure = {
  id: 'examples',
  title: 'Where the judge is most wrong',
  guide: 'The bad answers the judge scores highest (it would answer these first) and the good answers it scores lowest (it would decline them); read them to see what fools it.',
  build: () => null,
  table(data): Table | null {
    const it = data.items;
    if (!it || !it.score.length || (!it.instruction && !it.response)) return null;
    const idx = it.score.map((_, i) => i);
    const bad = idx.filter((i) => it.grade[i] < it.badBelow).sort((a, b) => it.score[b] - it.score[a]).slice(0, EXAMPLES);
    const good = idx.filter((i) => it.grade[i] >= it.badBelow).sort((a, b) => it.score[a] - it.score[b]).slice(0, EXAMPLES);
    const row = (kind: string, i: number): Cell[] => [kind, it.id?.[i] ?? String(i), it.category?.[i] ?? '', fmt(it.score[i], 2), fmt(it.grade[i], 2), clip(it.instruction?.[i]), clip(it.response?.[i])];
    const rows = [...bad.map((i) => row('bad, scored high', i)), ...good.map((i) => row('good, scored low', i))];
    return rows.length ? { columns: ['kind', 'item', 'category', 'score', it.gradeName, 'instruction', 'response'], rows } : null;
  },
};
