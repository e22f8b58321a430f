/** The entry points eval / calibrate / rank --report and run / demo use: in-memory data in, a report file out. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateThreshold } from '@selfj/core/decide';
import { evaluateScores, modelRankingAgreement, pairwiseAgreement } from '@selfj/core/metrics';
import { describe, expect, it } from 'vitest';
import { writeSyntheticRun } from '../bench/synthetic-run.js';
import { buildReport, calibrateReportInputs, evalReportInputs, metaEvalReportInputs, pairsReportInputs, rankReportInputs, saveReport, saveRunReport } from '../src/index.js';
import { metaEvalResult } from './meta-eval-result.js';

const scores = Array.from({ length: 200 }, (_, i) => (i * 37) % 100 / 10);
const grades = scores.map((s, i) => Math.min(10, Math.max(1, Math.round(s + ((i * 7) % 5) - 1))));
const base = { input: 'scored.jsonl', scores, grades, scoreField: 'score', graderField: 'gpt4_score', maxGrade: 10, badBelow: 6 };

describe('report hooks', () => {
  it('eval: the scored items become the judge figures, badBelow as given', async () => {
    const r = await buildReport(evalReportInputs({ ...base, categories: scores.map((_, i) => (i % 2 ? 'a' : 'b')) }));
    expect(r.figures.map((f) => f.id)).toEqual(['summary', 'risk-coverage', 'reliability', 'score-histograms', 'scatter', 'categories']);
    expect(r.data.notes.join(' ')).not.toMatch(/default/);
    expect(r.figures.find((f) => f.id === 'scatter')!.spec).toMatchObject({ encoding: { y: { title: 'gpt4_score' } } });
    // on selfj eval's scale (1 to 10 unless given): the same graded AURC as selfj eval
    expect(r.data.evaluation!.trained).toEqual(evaluateScores(scores, grades, { minGrade: 1, maxGrade: 10, badBelow: 6, categories: r.data.items!.category, minCategorySize: 5 }));
    const zeroBased = await buildReport(evalReportInputs({ ...base, minGrade: 0 }));
    expect(zeroBased.data.evaluation!.trained!.aurc).toBe(evaluateScores(scores, grades, { minGrade: 0, maxGrade: 10, badBelow: 6 }).aurc);
    expect(zeroBased.data.evaluation!.trained!.aurc).not.toBe(r.data.evaluation!.trained!.aurc);
  });

  it('eval --pairs: the agreement table', async () => {
    const a = scores.slice(0, 50);
    const b = scores.slice(50, 100);
    const labels = a.map((x, i) => (x > b[i] ? 'a' : x < b[i] ? 'b' : 'tie') as 'a' | 'b' | 'tie');
    const r = await buildReport(pairsReportInputs({ input: 'pairs.jsonl', pairwise: pairwiseAgreement(a, b, labels) }));
    expect(r.figures.map((f) => f.id)).toEqual(['summary']);
    expect(r.figures[0].table!.rows[0]).toEqual(['pairs', 50]);
  });

  it('meta-eval: one chart per set kind and the table', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'selfj-hook-')), 'meta.html');
    const saved = await saveReport(metaEvalReportInputs(metaEvalResult()), out);
    const html = readFileSync(saved.out, 'utf8');
    for (const id of ['meta-eval-pointwise', 'meta-eval-pairwise', 'meta-eval-ranking', 'meta-eval-bon', 'meta-eval']) expect(html, id).toContain(`id="fig-${id}"`);
  });

  it('calibrate: the guarantee and its grid come with the items', async () => {
    const result = calibrateThreshold({ scores, bad: grades.map((g) => g < 6), targetRisk: 0.3, delta: 0.1 });
    expect(result.tau).not.toBeNull();
    const r = await buildReport(calibrateReportInputs({ ...base, result }));
    expect(r.data.calibration!.candidates).toHaveLength(result.candidates.length);
    const rc = r.figures.find((f) => f.id === 'risk-coverage')!;
    expect(rc.caption).toMatch(/Guarantee: answering when score >= tau = /);
    expect(r.figures.map((f) => f.id)).toContain('calibration');
  });

  it('rank: the ranking figure with the agreement', async () => {
    const models = [
      { model: 'x', items: 3, meanScore: 7, meanReference: 8 },
      { model: 'y', items: 3, meanScore: 6, meanReference: 5 },
      { model: 'z', items: 3, meanScore: 2, meanReference: 6 },
    ];
    const agreement = modelRankingAgreement({ x: 7, y: 6, z: 2 }, { x: 8, y: 5, z: 6 });
    const out = join(mkdtempSync(join(tmpdir(), 'selfj-hook-')), 'rank.md');
    const saved = await saveReport(rankReportInputs({ input: 'r.jsonl', models, agreement }), out);
    expect(saved.format).toBe('md');
    expect(readFileSync(out, 'utf8')).toContain(`Spearman ${agreement.spearman.toFixed(3)}`);
  });

  it('run / demo: report.html in the run directory', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'selfj-hook-')), 'run');
    await writeSyntheticRun(dir, { records: 300, seed: 2 });
    const saved = await saveRunReport(dir);
    expect(saved.out).toBe(join(dir, 'report.html'));
    expect(existsSync(saved.out)).toBe(true);
    expect(saved.verdict.statements.length).toBeGreaterThan(0);
  });
});
