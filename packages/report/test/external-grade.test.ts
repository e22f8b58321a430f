/**
 * A run whose data carries an external grade (config grade.field): the risk–coverage, scatter and metrics are
 * drawn against it too, with the numbers of @selfj/core exactly. The run's calibration.json and eval/report.json
 * are written by the pipeline's own assess step, so the report reads what a real run leaves.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assess, DEFAULT_CONFIG, type Assessment } from '@selfj/core';
import { evaluateScores, riskCoverageCurve } from '@selfj/core/metrics';
import { pearson } from '@selfj/core/stats';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXTERNAL_SCALE, writeSyntheticRun } from '../bench/synthetic-run.js';
import {
  buildReport,
  deriveReportData,
  readRunDir,
  riskCoverageExternalFigure,
  scatterExternalFigure,
  summaryFigure,
  thinCurve,
  verdictOf,
  type ReportData,
} from '../src/index.js';

const FIELD = 'gpt4_score';
const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-report-ext-'));

/** The pipeline's assess step on the run's judge records, with the external grade configured. */
async function assessRun(dir: string, grade = { field: FIELD, ...EXTERNAL_SCALE }): Promise<Assessment> {
  return assess(join(dir, 'judge', 'records.jsonl'), dir, {
    calibrate: { ...DEFAULT_CONFIG.calibrate, targetRisk: 0.25, delta: 0.1, badBelow: 5 },
    grade,
    seed: 1,
    label: { clip: [0, 9] },
  });
}

type Row = { series: string; coverage: number; risk: number; threshold: number | null };
function layer<T>(spec: unknown, name: string): T[] {
  const layers = (spec as { layer: { name?: string; data?: { values: T[] }; layer?: { name?: string }[] }[] }).layer;
  const l = layers.find((x) => x.name === name || x.layer?.some((y) => y.name === name));
  return l!.data!.values;
}

describe('a run with an external grade', () => {
  let dir: string;
  let written: Awaited<ReturnType<typeof writeSyntheticRun>>;
  let assessed: Assessment;
  let data: ReportData;
  beforeAll(async () => {
    dir = join(tmp(), 'run');
    written = await writeSyntheticRun(dir, { records: 2500, seed: 8, external: { field: FIELD, missingEvery: 7 } });
    assessed = await assessRun(dir);
    data = deriveReportData(await readRunDir(dir));
  });

  it('reads the grade of each test item and its scale from eval/report.json', () => {
    const ext = data.items!.external!;
    expect(ext).toMatchObject({ name: FIELD, minGrade: 1, maxGrade: 10, badBelow: 6, scaleSource: 'input' });
    expect(ext.grade).toEqual(written.test.map((t) => t.ext ?? NaN));
    const carrying = written.test.filter((t) => t.ext !== undefined);
    expect(data.external!.items.score).toEqual(carrying.map((t) => t.score));
    expect(data.external!.missing).toBe(written.test.length - carrying.length);
    expect(data.external!.missing).toBeGreaterThan(0);
    // the label z keeps its own scale (the label stage's clip)
    expect(data.items).toMatchObject({ gradeName: 'label z', minGrade: 0, maxGrade: 9 });
  });

  it("computes the metrics against it as the pipeline's assess step does", () => {
    expect(assessed.test.external!.n).toBe(data.external!.items.score.length);
    expect(data.external!.evaluation.trained).toEqual(assessed.test.external!.trained);
    expect(data.external!.evaluation.zeroShot).toEqual(assessed.test.external!.zeroShot);
    // and against the label z with the label's scale: the same numbers as eval/report.json
    expect(data.evaluation!.trained).toEqual(assessed.test.trained);
    const cols = summaryFigure.table!(data)!.columns;
    expect(cols).toEqual(['metric', 'trained judge vs label z', 'zero-shot vs label z', `trained judge vs ${FIELD}`, `zero-shot vs ${FIELD}`]);
  });

  it('draws every risk–coverage curve against it exactly, with tau where the pipeline says', () => {
    const carrying = written.test.filter((t) => t.ext !== undefined);
    const loss = Float64Array.from(carrying, (t) => (t.ext! < 6 ? 1 : 0));
    const rows = layer<Row>(riskCoverageExternalFigure.build(data), 'series');
    const expected: Record<string, ReturnType<typeof riskCoverageCurve>> = {
      'trained judge': riskCoverageCurve(carrying.map((t) => t.score), loss),
      'zero-shot self-evaluation': riskCoverageCurve(carrying.map((t) => t.z0), loss),
      'similarity to the reference alone': riskCoverageCurve(carrying.map((t) => t.z2), loss),
      'length alone (tokens, longer first)': riskCoverageCurve(carrying.map((t) => t.tokens), loss),
      'oracle (bad answers last)': riskCoverageCurve(Float64Array.from(loss, (l) => -l), loss),
    };
    for (const [series, points] of Object.entries(expected)) {
      const drawn = rows.filter((r) => r.series === series).map((r) => ({ threshold: r.threshold, coverage: r.coverage, risk: r.risk }));
      // the metric's own points, thinned for drawing (never recomputed)
      expect(drawn, series).toEqual(thinCurve(points).map((p) => ({ threshold: p.threshold, coverage: p.coverage, risk: p.risk })));
    }
    const badRate = loss.reduce((a, b) => a + b, 0) / loss.length;
    expect(rows.filter((r) => r.series === 'random order (expected)').map((r) => r.risk)).toEqual([badRate, badRate]);
    // only tau on these items: the calibration split's point and bound are label-z numbers
    const tau = layer<{ coverage: number; risk: number; upper: number | null }>(riskCoverageExternalFigure.build(data), 'tau');
    const sel = assessed.test.external!.selection;
    expect(tau).toHaveLength(1);
    expect(tau[0].coverage).toBeCloseTo(sel.coverage, 12);
    expect(tau[0].risk).toBeCloseTo(sel.risk, 12);
    expect(tau[0].upper).toBeNull();
    const caption = riskCoverageExternalFigure.caption!(data)!;
    expect(caption).toContain(`Bad = ${FIELD} below 6 (${FIELD} on its scale 1 to 10); ${carrying.length} test-split items carry ${FIELD} (${written.test.length - carrying.length} do not and are left out).`);
    expect(caption).toContain(`with a bad share of ${sel.risk.toFixed(3)} by ${FIELD}`);
  });

  it('draws the scatter against it and says the correlation in the caption and the verdict', () => {
    const carrying = written.test.filter((t) => t.ext !== undefined);
    const spec = scatterExternalFigure.build(data) as unknown as { data: { values: { score: number; grade: number }[] }; encoding: { y: { title: string } } };
    expect(spec.data.values).toEqual(carrying.map((t) => ({ score: t.score, grade: t.ext })));
    expect(spec.encoding.y.title).toBe(FIELD);
    const r = pearson(carrying.map((t) => t.score), carrying.map((t) => t.ext!));
    expect(scatterExternalFigure.caption!(data)).toContain(`Pearson ${r.toFixed(3)}`);
    const v = verdictOf(data);
    expect(v.externalCorrelation!.r).toBe(r);
    expect(v.statements[1]).toMatch(new RegExp(`^Trained judge tracks ${FIELD}: Pearson r = ${r.toFixed(3)}, 95% interval`));
  });

  it('renders both figures, after their label-z versions', async () => {
    const r = await buildReport(await readRunDir(dir));
    const ids = r.figures.map((f) => f.id);
    expect(ids.indexOf('risk-coverage-external')).toBe(ids.indexOf('risk-coverage') + 1);
    expect(ids.indexOf('scatter-external')).toBe(ids.indexOf('scatter') + 1);
    for (const id of ['risk-coverage-external', 'scatter-external']) {
      const f = r.figures.find((x) => x.id === id)!;
      expect(f.error, id).toBeUndefined();
      expect(f.svg, id).toMatch(/^<svg/);
    }
  });
});

describe('the external grade, defensively', () => {
  it('takes the field the sample stage carried on the default scale when eval/report.json has no scale, and says so', async () => {
    const dir = join(tmp(), 'run');
    const w = await writeSyntheticRun(dir, { records: 600, seed: 2, external: { field: FIELD, recordScale: false } });
    const data = deriveReportData(await readRunDir(dir));
    expect(data.items!.external).toMatchObject({ name: FIELD, minGrade: DEFAULT_CONFIG.grade.min, maxGrade: DEFAULT_CONFIG.grade.max, badBelow: DEFAULT_CONFIG.grade.badBelow, scaleSource: 'default' });
    expect(data.notes.join(' ')).toMatch(/The scale of gpt4_score is not recorded in the inputs: the config defaults are assumed/);
    const grades = w.test.map((t) => t.ext!);
    expect(data.external!.evaluation.trained).toEqual(
      evaluateScores(w.test.map((t) => t.score), grades, { minGrade: 1, maxGrade: 10, badBelow: 6, categories: w.test.map((t) => t.category), minCategorySize: 5 }),
    );
  });

  it('draws nothing against a grade no item carries, and nothing without one', async () => {
    const dir = join(tmp(), 'run');
    await writeSyntheticRun(dir, { records: 300, seed: 2, external: { field: FIELD } });
    const report = join(dir, 'eval', 'report.json');
    writeFileSync(report, JSON.stringify({ ...JSON.parse(readFileSync(report, 'utf8')), external: { field: 'other_grade', scale: EXTERNAL_SCALE } }));
    const none = deriveReportData(await readRunDir(dir));
    expect(none.external).toBeUndefined();
    expect(none.notes).toContain('Fewer than 2 items carry other_grade: nothing is drawn against it.');
    expect(riskCoverageExternalFigure.build(none)).toBeNull();

    const plain = join(tmp(), 'run');
    await writeSyntheticRun(plain, { records: 300, seed: 2 });
    const r = await buildReport(await readRunDir(plain));
    expect(r.figures.map((f) => f.id)).not.toContain('risk-coverage-external');
    expect(r.data.items!.external).toBeUndefined();
  });
});
