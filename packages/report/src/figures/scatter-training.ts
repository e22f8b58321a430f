/** Judge against grader, item by item (scatter), and how training moved the judge away from zero-shot (epochs). */
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from '../model.js';
import { fmt, HEIGHT, q, sampleIndices, SCATTER_MAX_POINTS, SCHEMA, WIDTH } from './common.js';
import type { Figure } from './types.js';

export function scatterRows(data: ReportData, max = SCATTER_MAX_POINTS) {
  const it = data.items!;
  return sampleIndices(it.score.length, max).map((i) => ({ score: it.score[i], grade: it.grade[i] }));
}

export const scatterFigure: Figure = {
  id: 'scatter',
  title: 'Judge score against the grade',
  guide: 'One point per item; the tighter the cloud around a rising line, the more the judge agrees with the grader (the correlations are over every item).',
  build(data): TopLevelSpec | null {
    const it = data.items;
    if (!it || it.score.length < 2) return null;
    const rows = scatterRows(data);
    return {
      $schema: SCHEMA,
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      mark: { type: 'point', filled: true, opacity: rows.length > 500 ? 0.3 : 0.75, size: rows.length > 500 ? 16 : 36 },
      name: 'series',
      encoding: { x: q('score', it.scoreName, { scale: { zero: false } }), y: q('grade', it.gradeName, { scale: { zero: false } }) },
    } as unknown as TopLevelSpec;
  },
  caption(data) {
    const it = data.items;
    const e = data.evaluation?.trained;
    if (!it || !e) return undefined;
    const shown = Math.min(it.score.length, SCATTER_MAX_POINTS);
    const sample = shown < it.score.length ? ` Showing a seeded uniform sample of ${shown} of ${it.score.length} items.` : '';
    return `Pearson ${fmt(e.pearson)}, Spearman ${fmt(e.spearman)}, Kendall tau-b ${fmt(e.kendallTauB)} over ${e.n} items.${sample}`;
  },
};

export const trainingFigure: Figure = {
  id: 'training',
  title: 'Judge training',
  guide: 'Loss per epoch (top) and validation Pearson with the label (bottom); the dashed line is the untrained judge, i.e. the zero-shot self-evaluation, and the grey rule marks the epoch that was kept.',
  build(data): TopLevelSpec | null {
    const t = data.training;
    if (!t || !t.history.length) return null;
    const loss = t.history.flatMap((h) => [
      { epoch: h.epoch, series: 'training loss', value: h.trainLoss },
      ...(h.valLoss !== undefined ? [{ epoch: h.epoch, series: 'validation loss', value: h.valLoss }] : []),
    ]);
    const pearson = t.history.filter((h) => h.valPearson !== undefined && Number.isFinite(h.valPearson)).map((h) => ({ epoch: h.epoch, series: 'validation Pearson', value: h.valPearson! }));
    const best = t.best?.epoch;
        // mark names must be unique across the two panels
    const panel = (name: string, rows: typeof loss, title: string, initial: number | undefined, yExtra: Record<string, unknown> = {}) => {
      const X = q('epoch', 'epoch', { axis: { tickMinStep: 1 } });
      const Y = q('value', title, { scale: { zero: false, ...yExtra } });
      const layers: Record<string, unknown>[] = [
        {
          name,
          data: { values: rows },
          mark: { type: 'line', point: rows.length <= 60 },
          encoding: {
            x: X,
            y: Y,
            color: { field: 'series', type: 'nominal', legend: { title: null } },
          },
        },
      ];
      if (initial !== undefined && Number.isFinite(initial)) {
        layers.push({
          data: { values: [{ value: initial, label: `untrained (zero-shot) ${fmt(initial)}` }] },
          layer: [
            { mark: { type: 'rule', color: '#555', strokeDash: [5, 4] }, encoding: { y: Y } },
            { mark: { type: 'text', align: 'right', x: WIDTH - 4, dy: -6, color: '#555' }, encoding: { y: Y, text: { field: 'label' } } },
          ],
        });
      }
      if (best !== undefined) {
        layers.push({ data: { values: [{ epoch: best }] }, mark: { type: 'rule', color: '#aaa', strokeWidth: 3, opacity: 0.6 }, encoding: { x: X } });
      }
      return { width: WIDTH, height: Math.round(HEIGHT * 0.6), layer: layers };
    };
    const initialLoss = t.initial ? (t.initial.valLoss ?? t.initial.trainLoss) : undefined;
    const panels = [panel('series_loss', loss, 'loss', initialLoss)];
    if (pearson.length) panels.push(panel('series_pearson', pearson, 'validation Pearson', t.initial?.valPearson));
    return { $schema: SCHEMA, vconcat: panels, resolve: { scale: { color: 'independent' } } } as unknown as TopLevelSpec;
  },
  caption(data) {
    const t = data.training;
    if (!t) return undefined;
    const b = t.best;
    const items = t.trainItems !== undefined ? ` ${t.trainItems} training and ${t.valItems ?? 0} validation items.` : '';
    if (!b) return items.trim() || undefined;
    const loss = b.valLoss ?? b.trainLoss;
    const init = t.initial ? (t.initial.valLoss ?? t.initial.trainLoss) : undefined;
    const pr = b.valPearson !== undefined ? `; validation Pearson ${fmt(t.initial?.valPearson)} -> ${fmt(b.valPearson)}` : '';
    return `Kept epoch ${b.epoch} of ${t.history.length}: ${b.valLoss !== undefined ? 'validation' : 'training'} loss ${fmt(init)} (untrained) -> ${fmt(loss)}${pr}.${items}`;
  },
};
