/**
 * Risk-coverage: for every threshold, the share of items answered (coverage) and the share of answered items that
 * are bad (risk), for the judge and its baselines; the calibrated tau and the target risk on top. The curves are
 * @selfj/core's riskCoverageCurve points, thinned for drawing but never recomputed.
 */
import { riskCoverageCurve, type RiskCoveragePoint } from '@selfj/core/metrics';
import type { TopLevelSpec } from 'vega-lite';
import type { CalibrationInfo, ReportData } from '../model.js';
import { badLoss, fmt, HEIGHT, pct, q, SCHEMA, thinCurve, WIDTH } from './common.js';
import type { Figure } from './types.js';

export interface CurveSeries {
  series: string;
  points: RiskCoveragePoint[];
}

export const RANDOM = 'random order (expected)';
export const ORACLE = 'oracle (bad answers last)';

/** Every curve of the figure, exact and unthinned: the judge, its baselines, random and oracle. */
export function riskCoverageSeries(data: ReportData): CurveSeries[] {
  const it = data.items;
  if (it && it.score.length >= 2) {
    const loss = badLoss(it.grade, it.badBelow);
    const out: CurveSeries[] = [{ series: it.scoreName, points: riskCoverageCurve(it.score, loss) }];
    const finite = (x?: number[]): x is number[] => x !== undefined && x.length === it.score.length && x.every(Number.isFinite);
    const same = (x: number[]) => x.every((v, i) => v === it.score[i]);
    if (finite(it.zeroShot) && !same(it.zeroShot)) out.push({ series: 'zero-shot self-evaluation', points: riskCoverageCurve(it.zeroShot, loss) });
    if (finite(it.similarity)) out.push({ series: 'similarity to the reference alone', points: riskCoverageCurve(it.similarity, loss) });
    if (finite(it.length)) out.push({ series: `length alone (${it.lengthUnit ?? 'characters'}, longer first)`, points: riskCoverageCurve(it.length, loss) });
    const badRate = loss.reduce((a, b) => a + b, 0) / loss.length;
    out.push({ series: RANDOM, points: [{ threshold: NaN, answered: 0, coverage: 0, risk: badRate }, { threshold: NaN, answered: loss.length, coverage: 1, risk: badRate }] });
    out.push({ series: ORACLE, points: riskCoverageCurve(Float64Array.from(loss, (l) => -l), loss) });
    return out;
  }
  const c = data.calibration;
  if (c?.candidates?.length && c.n) {
    // No per-item scores: the calibration split's own curve at the grid thresholds.
    const points = c.candidates
      .filter((k) => k.answered > 0)
      .map((k) => ({ threshold: k.threshold, answered: k.answered, coverage: k.answered / c.n!, risk: k.risk }))
      .sort((a, b) => a.coverage - b.coverage || b.threshold - a.threshold);
    return points.length ? [{ series: 'judge on the calibration split (grid thresholds)', points }] : [];
  }
  return [];
}

/** Where tau lands: on the calibration split (with its upper bound) and on the drawn items. */
export function tauPoints(data: ReportData, curves?: CurveSeries[]): { label: string; coverage: number; risk: number; upper: number | null }[] {
  const c = data.calibration;
  if (!c || c.tau === null || c.tau === undefined) return [];
  const out: { label: string; coverage: number; risk: number; upper: number | null }[] = [];
  if (c.coverage !== undefined && c.selectedRisk !== undefined) {
    out.push({ label: `tau ${fmt(c.tau, 2)}, calibration (bar: bound)`, coverage: c.coverage, risk: c.selectedRisk, upper: c.riskUpperBound ?? null });
  }
  const it = data.items;
  if (it && it.score.length >= 2) {
    // the answered set at tau is the curve point with the lowest threshold still >= tau
    const curve = curves?.[0].points ?? riskCoverageCurve(it.score, badLoss(it.grade, it.badBelow));
    const at = curve.filter((p) => p.threshold >= c.tau!).pop();
    out.push({ label: `tau, ${it.split ?? 'drawn'} items`, coverage: at?.coverage ?? 0, risk: at?.risk ?? 0, upper: null });
  } else if (c.test) {
    out.push({ label: 'tau, test items', coverage: c.test.coverage, risk: c.test.risk, upper: null });
  }
  return out;
}

export function guaranteeSentence(c: CalibrationInfo | undefined): string | undefined {
  if (!c) return undefined;
  const conf = `confidence ${pct(1 - c.delta)} (delta ${c.delta})`;
  const how = [c.method, c.n !== undefined ? `${c.n} calibration items` : undefined, c.gridSize ? `${c.gridSize} candidate thresholds` : undefined].filter(Boolean).join(', ');
  if (c.tau === null) {
    return `No threshold is certified for target risk ${c.targetRisk} at ${conf}${how ? ` (${how})` : ''}: the judge declines everything.`;
  }
  const bound = c.riskUpperBound !== undefined ? `; risk upper bound at tau ${fmt(c.riskUpperBound)}` : '';
  const test = c.test ? `; on the test split it answers ${pct(c.test.coverage)} with risk ${fmt(c.test.risk)}` : '';
  return `Guarantee: answering when score >= tau = ${fmt(c.tau, 2)} keeps the share of bad answers at most ${c.targetRisk} with ${conf}${how ? ` (${how})` : ''}${bound}${test}.`;
}

export const riskCoverageFigure: Figure = {
  id: 'risk-coverage',
  title: 'Risk–coverage',
  guide: 'Lower is better: each curve answers its highest-scored items first; a useful judge stays under the random line and near the oracle, and tau is where the guarantee lets you stop.',
  build(data): TopLevelSpec | null {
    const series = riskCoverageSeries(data);
    if (!series.length) return null;
    const rows = series.flatMap((s) => thinCurve(s.points).map((p) => ({ series: s.series, coverage: p.coverage, risk: p.risk, threshold: Number.isFinite(p.threshold) ? p.threshold : null })));
    const names = series.map((s) => s.series);
    const dashes = names.map((n) => (n === RANDOM ? [6, 4] : n === ORACLE ? [2, 3] : [1, 0]));
    // short axis titles: without a browser, vega measures text by an estimate that runs long
    const X = q('coverage', 'coverage (share answered)', { scale: { domain: [0, 1] } });
    const Y = q('risk', 'risk (bad share of answered)', { scale: { domain: [0, 1] } });
    const y = { field: 'risk', type: 'quantitative', title: Y.title };
    const x = { field: 'coverage', type: 'quantitative', title: X.title };
    const layers: Record<string, unknown>[] = [
      {
        name: 'series',
        data: { values: rows },
        mark: { type: 'line', strokeWidth: 2 },
        encoding: {
          x: X,
          y: Y,
          color: { field: 'series', type: 'nominal', sort: names, legend: { title: null, columns: 2 } },
          // same field as color: one legend shows both the colour and the dash of each curve
          strokeDash: { field: 'series', type: 'nominal', sort: names, scale: { domain: names, range: dashes }, legend: { title: null, columns: 2 } },
        },
      },
    ];
    const c = data.calibration;
    if (c) {
      layers.push({
        data: { values: [{ risk: c.targetRisk, label: `target risk ${c.targetRisk}` }] },
        layer: [
          { mark: { type: 'rule', color: '#b3261e', strokeDash: [4, 4] }, encoding: { y } },
          { mark: { type: 'text', align: 'right', dy: -6, color: '#b3261e', x: WIDTH - 4 }, encoding: { y, text: { field: 'label' } } },
        ],
      });
    }
    const taus = tauPoints(data, series);
    if (taus.length) {
      const withBound = taus.filter((t) => t.upper !== null);
      if (withBound.length) {
        layers.push({ data: { values: withBound }, mark: { type: 'rule', color: '#222' }, encoding: { x, y, y2: { field: 'upper' } } });
      }
      // labelled in place, not in a second legend (vega would set it beside the first and double the width)
      layers.push({
        data: { values: taus },
        layer: [
          { name: 'tau', mark: { type: 'point', filled: true, size: 110, color: '#222', shape: 'diamond' }, encoding: { x, y } },
          // the calibration label above its point, the test one below: the two points are often close
          { transform: [{ filter: 'datum.upper != null' }], mark: { type: 'text', align: 'right', dx: -8, dy: -10, fontSize: 11, color: '#222' }, encoding: { x, y, text: { field: 'label' } } },
          { transform: [{ filter: 'datum.upper == null' }], mark: { type: 'text', align: 'left', dx: 8, dy: 14, fontSize: 11, color: '#222' }, encoding: { x, y, text: { field: 'label' } } },
        ],
      });
    }
    return { $schema: SCHEMA, width: WIDTH, height: HEIGHT, layer: layers } as unknown as TopLevelSpec;
  },
  caption(data) {
    const it = data.items;
    const what = it
      ? `Bad = ${it.gradeName} below ${it.badBelow}, on ${it.score.length} ${it.split ? `${it.split}-split ` : ''}items.`
      : data.calibration?.candidates
        ? 'Calibration split only (the inputs have no per-item scores).'
        : '';
    return [what, guaranteeSentence(data.calibration)].filter(Boolean).join(' ');
  },
};
