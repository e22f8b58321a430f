/** How the judge's scores relate to the grade: reliability diagram (binned means) and good/bad score histograms. */
import type { TopLevelSpec } from 'vega-lite';
import type { ScoredItems } from '../model.js';
import { binCounts, fmt, HEIGHT, q, SCHEMA, scoreRange, WIDTH } from './common.js';
import type { Figure } from './types.js';

export interface ReliabilityRow {
  series: string;
  lo: number;
  hi: number;
  mid: number;
  meanGrade: number;
  n: number;
}

/** Mean grade of the items in each score bin (bins of width 1 on the digit scale, else 10 equal bins). */
export function reliabilityRows(it: ScoredItems): ReliabilityRow[] {
  const range = scoreRange(it.score);
  const bins = range.digitScale ? 9 : 10;
  const width = (range.hi - range.lo) / bins;
  const rows: ReliabilityRow[] = [];
  const cols: [string, number[] | undefined][] = [[it.scoreName, it.score], ['zero-shot self-evaluation', it.zeroShot]];
  for (const [series, s] of cols) {
    if (!s || s.length !== it.grade.length || !s.every(Number.isFinite)) continue;
    if (series !== it.scoreName && s.every((v, i) => v === it.score[i])) continue;
    const sum = new Float64Array(bins);
    const n = new Float64Array(bins);
    for (let i = 0; i < s.length; i++) {
      const b = Math.min(bins - 1, Math.max(0, Math.floor((s[i] - range.lo) / width)));
      sum[b] += it.grade[i];
      n[b]++;
    }
    for (let b = 0; b < bins; b++) {
      if (!n[b]) continue;
      const lo = range.lo + b * width;
      rows.push({ series, lo, hi: lo + width, mid: lo + width / 2, meanGrade: sum[b] / n[b], n: n[b] });
    }
  }
  return rows;
}

export const reliabilityFigure: Figure = {
  id: 'reliability',
  title: 'Reliability: score bins against the mean grade',
  guide: 'Each point is the mean grade of the items whose score falls in that bin (number = items); a trustworthy judge rises steadily, and on the same scale it follows the dashed diagonal.',
  build(data): TopLevelSpec | null {
    const it = data.items;
    if (!it || it.score.length < 2) return null;
    const rows = reliabilityRows(it);
    const range = scoreRange(it.score);
    const names = [...new Set(rows.map((r) => r.series))];
    const X = q('mid', `${it.scoreName} (bin middle)`, { scale: { domain: [range.lo, range.hi] } });
    const Y = q('meanGrade', `mean ${it.gradeName}`, { scale: { domain: [it.minGrade, it.maxGrade] } });
    const layers: Record<string, unknown>[] = [];
    if (range.digitScale) {
      // perfect agreement when the score and the grade share the scale (the grade rescaled to 0..9)
      layers.push({
        data: { values: [{ x: 0, y: it.minGrade }, { x: 9, y: it.maxGrade }] },
        mark: { type: 'line', color: '#999', strokeDash: [4, 4] },
        encoding: { x: { ...X, field: 'x' }, y: { ...Y, field: 'y' } },
      });
    }
    layers.push({
      data: { values: rows },
      layer: [
        {
          name: 'series',
          mark: { type: 'line', point: true },
          encoding: {
            x: X,
            y: Y,
            color: { field: 'series', type: 'nominal', sort: names, legend: { title: null } },
          },
        },
        {
          mark: { type: 'text', dy: -10, fontSize: 10 },
          encoding: { x: X, y: Y, text: { field: 'n' }, color: { field: 'series', type: 'nominal', sort: names } },
        },
      ],
    });
    return { $schema: SCHEMA, width: WIDTH, height: HEIGHT, layer: layers } as unknown as TopLevelSpec;
  },
};

export function histogramRows(it: ScoredItems) {
  const range = scoreRange(it.score);
  const bins = range.digitScale ? 36 : 30;
  const good = it.score.filter((_, i) => it.grade[i] >= it.badBelow);
  const bad = it.score.filter((_, i) => it.grade[i] < it.badBelow);
  const goodName = `good (${it.gradeName} >= ${it.badBelow})`;
  const badName = `bad (${it.gradeName} < ${it.badBelow})`;
  return {
    names: [goodName, badName],
    range,
    rows: [
      ...binCounts(good, range.lo, range.hi, bins).filter((b) => b.count).map((b) => ({ ...b, class: goodName })),
      ...binCounts(bad, range.lo, range.hi, bins).filter((b) => b.count).map((b) => ({ ...b, class: badName })),
    ],
  };
}

export const histogramFigure: Figure = {
  id: 'score-histograms',
  title: 'Judge scores of good and bad answers',
  guide: 'The less the two histograms overlap, the better the judge separates good from bad answers; everything right of the tau line is answered.',
  build(data): TopLevelSpec | null {
    const it = data.items;
    if (!it || it.score.length < 2) return null;
    const h = histogramRows(it);
    const X = q('lo', it.scoreName, { scale: { domain: [h.range.lo, h.range.hi] } });
    const layers: Record<string, unknown>[] = [
      {
        name: 'series',
        data: { values: h.rows },
        mark: { type: 'rect', opacity: 0.55 },
        encoding: {
          x: X,
          x2: { field: 'hi' },
          y: q('count', 'items'),
          y2: { datum: 0 },
          color: { field: 'class', type: 'nominal', sort: h.names, scale: { domain: h.names, range: ['#2e7d32', '#c62828'] }, legend: { title: null } },
        },
      },
    ];
    const tau = data.calibration?.tau;
    if (tau !== undefined && tau !== null) {
      layers.push({
        data: { values: [{ tau, label: `tau = ${fmt(tau, 2)}` }] },
        layer: [
          { mark: { type: 'rule', color: '#222', strokeDash: [4, 4] }, encoding: { x: { ...X, field: 'tau' } } },
          { mark: { type: 'text', align: 'left', dx: 4, y: 8, color: '#222' }, encoding: { x: { ...X, field: 'tau' }, text: { field: 'label' } } },
        ],
      });
    }
    return { $schema: SCHEMA, width: WIDTH, height: HEIGHT, layer: layers } as unknown as TopLevelSpec;
  },
  caption(data) {
    const it = data.items;
    if (!it) return undefined;
    const tau = data.calibration?.tau;
    const t = data.calibration ? (tau === null ? ' No tau is certified, so no line: everything is declined.' : '') : ' No calibration in the inputs, so no tau line.';
    const auroc = data.evaluation?.trained?.auroc;
    return `AUROC for telling good from bad answers ${fmt(auroc)} (0.5 = chance).${t}`;
  },
};
