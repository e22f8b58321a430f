/** The numbers a report draws are @selfj/core's numbers, exactly; nothing is re-derived in the report. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateScores, riskCoverageCurve } from '@selfj/core/metrics';
import { kendallTauB, pearson, spearman } from '@selfj/core/stats';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticRun } from '../bench/synthetic-run.js';
import {
  buildReport,
  CURVE_MAX_POINTS,
  deriveReportData,
  figures,
  histogramRows,
  readRunDir,
  reliabilityRows,
  riskCoverageFigure,
  riskCoverageSeries,
  scatterFigure,
  SCATTER_MAX_POINTS,
  summaryFigure,
  tauPoints,
  thinCurve,
  type ReportData,
} from '../src/index.js';

const bad = (z: number[], cut: number) => Float64Array.from(z, (g) => (g < cut ? 1 : 0));

type Row = { series: string; coverage: number; risk: number; threshold: number | null };
function curveRows(data: ReportData): Row[] {
  const spec = riskCoverageFigure.build(data) as unknown as { layer: { name?: string; data: { values: Row[] } }[] };
  return spec.layer.find((l) => l.name === 'series')!.data.values;
}

describe('report data from a run directory', () => {
  let dir: string;
  let written: Awaited<ReturnType<typeof writeSyntheticRun>>;
  let data: ReportData;
  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'selfj-report-')), 'run');
    written = await writeSyntheticRun(dir, { records: 1000, seed: 3 });
    data = deriveReportData(await readRunDir(dir));
  });

  it('reads the test split with its upstream fields', () => {
    const it = data.items!;
    expect(it.score).toEqual(written.test.map((t) => t.score));
    expect(it.grade).toEqual(written.test.map((t) => t.z));
    expect(it.zeroShot).toEqual(written.test.map((t) => t.z0));
    expect(it.similarity).toEqual(written.test.map((t) => t.z2));
    expect(it.length).toEqual(written.test.map((t) => t.tokens));
    expect(it.lengthUnit).toBe('tokens');
    expect(it.split).toBe('test');
    expect(it.badBelow).toBe(5);
    expect(data.pipeline!.stages.map((s) => s.stage)).toEqual(['sample', 'self-eval', 'similarity', 'label', 'train', 'judge', 'calibrate', 'eval', 'select']);
  });

  it('draws every curve point exactly as riskCoverageCurve computes it', () => {
    const t = written.test;
    const loss = bad(t.map((x) => x.z), 5);
    const expected: Record<string, ReturnType<typeof riskCoverageCurve>> = {
      'trained judge': riskCoverageCurve(t.map((x) => x.score), loss),
      'zero-shot self-evaluation': riskCoverageCurve(t.map((x) => x.z0), loss),
      'similarity to the reference alone': riskCoverageCurve(t.map((x) => x.z2), loss),
      'length alone (tokens, longer first)': riskCoverageCurve(t.map((x) => x.tokens), loss),
      'oracle (bad answers last)': riskCoverageCurve(Float64Array.from(loss, (l) => -l), loss),
    };
    const rows = curveRows(data);
    for (const [series, points] of Object.entries(expected)) {
      expect(points.length).toBeLessThan(CURVE_MAX_POINTS); // small run: nothing thinned
      const drawn = rows.filter((r) => r.series === series).map((r) => ({ threshold: r.threshold, coverage: r.coverage, risk: r.risk }));
      expect(drawn, series).toEqual(points.map((p) => ({ threshold: p.threshold, coverage: p.coverage, risk: p.risk })));
    }
    const random = rows.filter((r) => r.series === 'random order (expected)');
    expect(random.map((r) => r.risk)).toEqual([data.evaluation!.trained!.badRate, data.evaluation!.trained!.badRate]);
  });

  it('takes metrics from evaluateScores and correlations from the stats module', () => {
    const t = written.test;
    const want = evaluateScores(t.map((x) => x.score), t.map((x) => x.z), { maxGrade: 9, badBelow: 5, categories: t.map((x) => x.category), minCategorySize: 5 });
    expect(data.evaluation!.trained).toEqual(want);
    const s = t.map((x) => x.score);
    const z = t.map((x) => x.z);
    const caption = scatterFigure.caption!(data)!;
    expect(caption).toContain(`Pearson ${pearson(s, z).toFixed(3)}`);
    expect(caption).toContain(`Spearman ${spearman(s, z).toFixed(3)}`);
    expect(caption).toContain(`Kendall tau-b ${kendallTauB(s, z).toFixed(3)}`);
    const table = summaryFigure.table!(data)!;
    expect(table.rows.find((r) => r[0] === 'AUROC, bad answers')![1]).toBe(want.auroc.toFixed(3));
  });

  it('puts tau where the calibration and the test curve say', () => {
    const c = written.calibration;
    expect(c.tau).not.toBeNull();
    const pts = tauPoints(data);
    expect(pts[0]).toMatchObject({ coverage: c.coverage, risk: c.selectedRisk, upper: c.riskUpperBound });
    const t = written.test;
    const answered = t.filter((x) => x.score >= c.tau!);
    expect(pts[1].coverage).toBeCloseTo(answered.length / t.length, 12);
    expect(pts[1].risk).toBeCloseTo(answered.filter((x) => x.z < 5).length / answered.length, 12);
    expect(riskCoverageFigure.caption!(data)).toMatch(/confidence 90\.0% \(delta 0\.1\)/);
  });

  it('bins the reliability diagram and the histograms over every item', () => {
    const rel = reliabilityRows(data.items!).filter((r) => r.series === 'trained judge');
    expect(rel.reduce((a, r) => a + r.n, 0)).toBe(written.test.length);
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    const first = rel[0];
    const inBin = written.test.filter((x) => x.score >= first.lo && x.score < first.hi);
    expect(first.meanGrade).toBeCloseTo(mean(inBin.map((x) => x.z)), 10);
    const h = histogramRows(data.items!);
    expect(h.rows.reduce((a, r) => a + r.count, 0)).toBe(written.test.length);
  });
});

describe('curves and scatter at scale', () => {
  it('thins a long curve to exact points of the metric, first and last kept', () => {
    const n = 20_000;
    const scores = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453));
    const loss = Float64Array.from(scores, (s, i) => ((s * 7 + i) % 3 < 1 ? 1 : 0));
    const points = riskCoverageCurve(scores, loss);
    const thin = thinCurve(points);
    expect(thin.length).toBeLessThanOrEqual(CURVE_MAX_POINTS + 2);
    expect(thin[0]).toBe(points[0]);
    expect(thin[thin.length - 1]).toBe(points[points.length - 1]);
    const exact = new Set(points);
    for (const p of thin) expect(exact.has(p)).toBe(true);
    for (let i = 1; i < thin.length; i++) expect(thin[i].coverage - thin[i - 1].coverage).toBeLessThanOrEqual(2 / CURVE_MAX_POINTS + 1e-12);
  });

  it('samples the scatter, says so, and keeps the statistics on every item', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'selfj-report-')), 'run');
    await writeSyntheticRun(dir, { records: 14_000, seed: 5 });
    const data = deriveReportData(await readRunDir(dir));
    const n = data.items!.score.length;
    expect(n).toBeGreaterThan(SCATTER_MAX_POINTS);
    const spec = scatterFigure.build(data) as unknown as { data: { values: unknown[] } };
    expect(spec.data.values).toHaveLength(SCATTER_MAX_POINTS);
    expect(scatterFigure.caption!(data)).toContain(`sample of ${SCATTER_MAX_POINTS} of ${n} items`);
    expect(data.evaluation!.trained!.n).toBe(n);
    const series = riskCoverageSeries(data);
    expect(series.find((s) => s.series === 'trained judge')!.points.length).toBeGreaterThan(CURVE_MAX_POINTS);
  });
});

describe('buildReport', () => {
  it('draws every figure of a full run and leaves out those without data', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'selfj-report-')), 'run');
    await writeSyntheticRun(dir, { records: 400, seed: 9 });
    const r = await buildReport(await readRunDir(dir));
    const ids = r.figures.map((f) => f.id);
    // everything but the ranking, the meta-evaluation and the external grade, which a run without them does not have
    expect(ids).toEqual(figures.map((f) => f.id).filter((id) => id !== 'ranking' && !id.startsWith('meta-eval') && !id.endsWith('-external')));
    for (const f of r.figures) {
      expect(f.error, f.id).toBeUndefined();
      expect(Boolean(f.svg || f.table), f.id).toBe(true);
      if (f.svg) expect(f.svg.startsWith('<svg'), f.id).toBe(true);
    }
  });
});
