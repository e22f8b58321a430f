/** Per-category agreement (evaluateScores' byCategory) and the model ranking of `selfj rank`. */
import { averageRanks } from '@selfj/core/stats';
import type { TopLevelSpec } from 'vega-lite';
import type { ReportData } from '../model.js';
import { fmt, q, SCHEMA, WIDTH } from './common.js';
import type { Figure, Table } from './types.js';

const MAX_CATEGORIES = 40;

/** Item counts per category (all of them, even those too small for metrics), largest first. */
function categoryCounts(data: ReportData): [string, number][] {
  const counts = new Map<string, number>();
  for (const c of data.items?.category ?? []) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (!counts.size) for (const [c, m] of Object.entries(data.evaluation?.trained?.byCategory ?? {})) counts.set(c, m.n);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export const categoriesFigure: Figure = {
  id: 'categories',
  title: 'Agreement by category',
  guide: 'Pearson correlation of the judge with the grade inside each category (bar label = items); a category far below the others is one where the judge should not be trusted alone.',
  build(data): TopLevelSpec | null {
    const by = data.evaluation?.trained?.byCategory ?? {};
    const rows = Object.entries(by)
      .filter(([, m]) => Number.isFinite(m.pearson))
      .sort((a, b) => b[1].n - a[1].n)
      .slice(0, MAX_CATEGORIES)
      .map(([category, m]) => ({ category, pearson: m.pearson, label: `n = ${m.n}` }));
    if (!rows.length) return null;
    return {
      $schema: SCHEMA,
      width: WIDTH,
      height: { step: 22 },
      data: { values: rows },
      layer: [
        {
          name: 'series',
          mark: { type: 'bar', color: '#4c78a8' },
          encoding: { y: { field: 'category', type: 'nominal', sort: null, title: 'category' }, x: q('pearson', 'Pearson with the grade', { scale: { domain: [-1, 1] } }) },
        },
        { mark: { type: 'text', align: 'left', x: 4, fontSize: 10 }, encoding: { y: { field: 'category', type: 'nominal', sort: null, title: 'category' }, text: { field: 'label' } } },
      ],
    } as unknown as TopLevelSpec;
  },
  table(data): Table | null {
    const counts = categoryCounts(data);
    if (!counts.length) return null;
    const by = data.evaluation?.trained?.byCategory ?? {};
    return {
      columns: ['category', 'items', 'Pearson', 'Spearman', 'Kendall tau-b', 'AUROC', 'AURC', 'bad rate'],
      rows: counts.map(([c, n]) => {
        const m = by[c];
        return m ? [c, n, fmt(m.pearson), fmt(m.spearman), fmt(m.kendallTauB), fmt(m.auroc), fmt(m.aurc), fmt(m.badRate)] : [c, n, 'too few items', '', '', '', '', ''];
      }),
    };
  },
};

/** Rank 1 = the highest mean; ties share their average rank (as Spearman does). */
function ranksDescending(x: number[]): Float64Array {
  return averageRanks(x.map((v) => -v));
}

export const rankingFigure: Figure = {
  id: 'ranking',
  title: 'Model ranking',
  guide: 'With a reference: each model at its reference rank (x) and judge rank (y); on the diagonal the judge ranks it as the reference does. Without one: mean judge score per model.',
  build(data): TopLevelSpec | null {
    const r = data.ranking;
    if (!r || !r.models.length) return null;
    const withRef = r.models.every((m) => m.meanReference !== undefined);
    if (!withRef) {
      return {
        $schema: SCHEMA,
        width: WIDTH,
        height: { step: 22 },
        data: { values: r.models.map((m) => ({ model: m.model, meanScore: m.meanScore })) },
        mark: { type: 'bar', color: '#4c78a8' },
        name: 'series',
        encoding: { y: { field: 'model', type: 'nominal', sort: '-x', title: 'model' }, x: q('meanScore', 'mean judge score') },
      } as unknown as TopLevelSpec;
    }
    const judge = ranksDescending(r.models.map((m) => m.meanScore));
    const ref = ranksDescending(r.models.map((m) => m.meanReference!));
    const rows = r.models.map((m, i) => ({ model: m.model, judgeRank: judge[i], referenceRank: ref[i] }));
    const n = r.models.length;
    const X = q('referenceRank', 'reference rank (1 = best)', { scale: { domain: [0.5, n + 0.5] } });
    const Y = q('judgeRank', 'judge rank (1 = best)', { scale: { domain: [0.5, n + 0.5] } });
    return {
      $schema: SCHEMA,
      width: Math.min(WIDTH, 360),
      height: Math.min(WIDTH, 360),
      layer: [
        { data: { values: [{ x: 1, y: 1 }, { x: n, y: n }] }, mark: { type: 'line', color: '#999', strokeDash: [4, 4] }, encoding: { x: { ...X, field: 'x' }, y: { ...Y, field: 'y' } } },
        {
          data: { values: rows },
          layer: [
            {
              name: 'series',
              mark: { type: 'point', filled: true, size: 70, color: '#4c78a8' },
              encoding: { x: X, y: Y },
            },
            { mark: { type: 'text', align: 'left', dx: 6, fontSize: 10 }, encoding: { x: X, y: Y, text: { field: 'model' } } },
          ],
        },
      ],
    } as unknown as TopLevelSpec;
  },
  caption(data) {
    const a = data.ranking?.agreement;
    if (!data.ranking) return undefined;
    return a ? `Agreement with the reference ranking: Spearman ${fmt(a.spearman)}, Kendall tau-b ${fmt(a.kendallTauB)} over ${data.ranking.models.length} models.` : 'No reference score: the ranking cannot be checked here.';
  },
  table(data): Table | null {
    const r = data.ranking;
    if (!r) return null;
    const withRef = r.models.some((m) => m.meanReference !== undefined);
    return {
      columns: ['rank', 'model', 'items', 'mean judge score', ...(withRef ? ['mean reference'] : [])],
      rows: r.models.map((m, i) => [i + 1, m.model, m.items, fmt(m.meanScore, 4), ...(withRef ? [fmt(m.meanReference, 4)] : [])]),
    };
  },
};
