/** Inputs of every kind, the verdict rules, escaping of hostile text, themes, and the three output formats. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrateThreshold } from '@selfj/core/decide';
import { evaluateScores, modelRankingAgreement } from '@selfj/core/metrics';
import { isSelfjError } from '@selfj/core';
import { pearsonInterval } from '@selfj/core/stats';
import { describe, expect, it } from 'vitest';
import { writeSyntheticRun } from '../bench/synthetic-run.js';
import { HOSTILE } from './hostile.js';
import {
  buildReport,
  checkCorrelation,
  deriveReportData,
  escapeHtml,
  escapeMarkdownCell,
  figures,
  loadReportInputs,
  toHtml,
  verdictOf,
  writeReport,
  type Figure,
} from '../src/index.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-report-io-'));

function jsonFile(dir: string, name: string, value: unknown): string {
  const f = join(dir, name);
  writeFileSync(f, JSON.stringify(value));
  return f;
}

const scores = Array.from({ length: 40 }, (_, i) => (i * 7) % 10);
const grades = scores.map((s, i) => Math.min(10, Math.max(1, s + ((i * 3) % 4) - 1)));

describe('inputs', () => {
  it('reads selfj eval, calibrate and rank output together', async () => {
    const d = tmp();
    const items = evaluateScores(scores, grades, { maxGrade: 10, badBelow: 6 });
    const evalFile = jsonFile(d, 'eval.json', { input: 'x.jsonl', skipped: 2, items });
    const { candidates: _c, ...cal } = calibrateThreshold({ scores, bad: grades.map((g) => g < 6), targetRisk: 0.3, delta: 0.1 });
    const calFile = jsonFile(d, 'threshold.json', { ...cal, scoreField: 'score', graderField: 'grade', badBelow: 6, futureField: 'kept' });
    const models = [
      { model: 'a', items: 10, meanScore: 6.1, meanReference: 7 },
      { model: 'b', items: 10, meanScore: 5.2, meanReference: 5 },
      { model: 'c', items: 10, meanScore: 4.9, meanReference: 6 },
    ];
    const agreement = modelRankingAgreement(Object.fromEntries(models.map((m) => [m.model, m.meanScore])), Object.fromEntries(models.map((m) => [m.model, m.meanReference])));
    const rankFile = jsonFile(d, 'rank.json', { input: 'r.jsonl', models, agreement });
    const inputs = await loadReportInputs([evalFile, calFile, rankFile]);
    expect(inputs.sources).toEqual([evalFile, calFile, rankFile]);
    expect(inputs.evaluation!.trained!.pearson).toBe(items.pearson);
    expect(inputs.calibration).toMatchObject({ tau: cal.tau, targetRisk: 0.3, delta: 0.1, n: 40 });
    expect(inputs.calibration!.other).toMatchObject({ scoreField: 'score', badBelow: 6, futureField: 'kept' });
    expect(inputs.ranking!.agreement).toEqual({ spearman: agreement.spearman, kendallTauB: agreement.kendallTauB });
    const r = await buildReport(inputs);
    expect(r.figures.map((f) => f.id)).toEqual(['summary', 'ranking', 'calibration']);
    expect(r.figures.find((f) => f.id === 'ranking')!.caption).toContain(`Spearman ${agreement.spearman.toFixed(3)}`);
    expect(r.data.notes).toContain('selfj eval skipped 2 bad record(s).');
  });

  it('reads a scored JSONL with fields by name', async () => {
    const d = tmp();
    const f = join(d, 'scored.jsonl');
    writeFileSync(f, `${scores.map((s, i) => JSON.stringify({ id: `q${i}`, judge: { s }, gpt4: String(grades[i]), scenario: i % 2 ? 'x' : 'y' })).join('\n')}\n{"broken": true}\n`);
    const inputs = await loadReportInputs([f], { scoreField: 'judge.s', graderField: 'gpt4', categoryField: 'scenario', badBelow: 6 });
    expect(inputs.items!.score).toEqual(scores);
    expect(inputs.items!.grade).toEqual(grades);
    expect(inputs.notes![0]).toMatch(/1 line\(s\) .* left out/);
    const data = deriveReportData(inputs);
    // the scale of selfj eval: 1 to 10 by default, so the graded AURC is the one selfj eval prints
    expect(data.evaluation!.trained).toEqual(evaluateScores(scores, grades, { minGrade: 1, maxGrade: 10, badBelow: 6, categories: inputs.items!.category, minCategorySize: 5 }));
  });

  it('reads a JSONL on the grade scale given, leaving out (and counting) grades off it, as selfj eval does', async () => {
    const d = tmp();
    const f = join(d, 'scored.jsonl');
    // grades 0..4 on a 0-4 scale, plus two lines off it
    const g = scores.map((_, i) => i % 5);
    writeFileSync(f, `${[...scores.map((s, i) => ({ score: s, grade: g[i] })), { score: 1, grade: 5 }, { score: 2, grade: -1 }].map((x) => JSON.stringify(x)).join('\n')}\n`);
    const inputs = await loadReportInputs([f], { minGrade: 0, maxGrade: 4, badBelow: 2 });
    expect(inputs.items).toMatchObject({ minGrade: 0, maxGrade: 4, score: scores, grade: g });
    expect(inputs.notes).toContain(`2 line(s) of ${f} with grade outside the scale [0, 4] were left out (set --min-grade and --max-grade to the grader's scale).`);
    const want = evaluateScores(scores, g, { minGrade: 0, maxGrade: 4, badBelow: 2, minCategorySize: 5 });
    expect(deriveReportData(inputs).evaluation!.trained!.aurc).toBe(want.aurc);
    // on the default 1-10 scale the 0 grades and the -1 are off it and the 5 is on it: the scale decides what counts
    const byDefault = await loadReportInputs([f], { badBelow: 2 });
    expect(byDefault.items!.score).toHaveLength(scores.length - g.filter((x) => x === 0).length + 1);
    const e = await loadReportInputs([f], { minGrade: 4, maxGrade: 4 }).then(() => undefined, (x: unknown) => x);
    expect(isSelfjError(e) && e.code).toBe('BAD_INPUT');
  });

  it('refuses what it cannot read with a typed error that says what to do', async () => {
    const d = tmp();
    const expectCode = async (p: Promise<unknown>, code: string) => {
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(isSelfjError(e), String(e)).toBe(true);
      expect((e as { code: string }).code).toBe(code);
      expect((e as Error).message).toMatch(/Possible solutions/);
    };
    await expectCode(loadReportInputs([join(d, 'missing')]), 'NOT_FOUND');
    await expectCode(loadReportInputs([d]), 'BAD_INPUT'); // an empty directory is no run
    await expectCode(loadReportInputs([jsonFile(d, 'other.json', { hello: 1 })]), 'BAD_INPUT');
    const broken = join(d, 'broken.json');
    writeFileSync(broken, '{"tau": ');
    await expectCode(loadReportInputs([broken]), 'BAD_INPUT');
    await expectCode(loadReportInputs([]), 'BAD_INPUT');
  });
});

describe('the verdict', () => {
  it("uses core's Fisher-z interval of Pearson r", () => {
    const ci = pearsonInterval(0.5, 28)!;
    expect(checkCorrelation(0.5, 28)).toMatchObject({ low: ci.low, high: ci.high });
    expect(checkCorrelation(0.5, 28).distinguishableFromZero).toBe(true);
    expect(checkCorrelation(0.3, 20).distinguishableFromZero).toBe(false);
    expect(checkCorrelation(0.99, 3).distinguishableFromZero).toBe(false);
    expect(checkCorrelation(NaN, 100).distinguishableFromZero).toBe(false);
  });

  it('calls a good judge signal and a tiny model noise', async () => {
    const good = tmp();
    await writeSyntheticRun(good, { records: 1000, seed: 4, digitMass: 0.95, signal: 0.9 });
    const g = verdictOf(deriveReportData(await loadReportInputs([good])));
    expect(g.noise).toBe(false);
    expect(g.statements[0]).toMatch(/Trained judge tracks label z: Pearson r = 0\.\d+, 95% interval \[0\.\d+, 0\.\d+\]/);

    const tiny = tmp();
    await writeSyntheticRun(tiny, { records: 1000, seed: 4, digitMass: 0.0003, signal: 0.9 });
    const t = verdictOf(deriveReportData(await loadReportInputs([tiny])));
    expect(t.noise).toBe(true);
    expect(t.statements.some((s) => /self-evaluation \(reference-free\) is noise/.test(s))).toBe(true);

    // a run whose self-eval stage rejected most items for low digit mass (they have no record to take a median of)
    const rejecting = tmp();
    await writeSyntheticRun(rejecting, { records: 400, seed: 4, digitMass: 0.95, signal: 0.9 });
    const mf = join(rejecting, 'self-eval', 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8'));
    writeFileSync(mf, JSON.stringify({ ...m, counts: { records: 400, rejected: 900 }, extra: { digitMass: { floor: 0.2, views: {}, rejectedLowMass: 900 } } }));
    const rj = deriveReportData(await loadReportInputs([rejecting]));
    expect(rj.digitMass).toMatchObject({ floor: 0.2, floorSource: 'config', rejected: [{ stage: 'self-eval', count: 900, of: 1300 }] });
    const rv = verdictOf(rj);
    expect(rv.noise).toBe(true);
    expect(rv.statements.at(-1)).toBe("The model's self-evaluation is noise: the self-eval stage rejected 900 of 1300 item(s) whose digits got less than 0.2 of the probability (the model did not answer those with a digit).");

    const noise = tmp();
    await writeSyntheticRun(noise, { records: 150, seed: 4, digitMass: 0.95, signal: 0 });
    const n = verdictOf(deriveReportData(await loadReportInputs([noise])));
    expect(n.correlation!.distinguishableFromZero).toBe(false);
    expect(n.statements[0]).toMatch(/^These scores are noise/);
  });
});

describe('hostile text', () => {
  it('escapes for HTML and Markdown', () => {
    expect(escapeHtml(HOSTILE[1])).toBe('&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;');
    const cell = escapeMarkdownCell(HOSTILE[3]);
    expect(cell).not.toMatch(/[<>]|(?<!\\)\||(?<!\\)\*|(?<!\\)\[|(?<!\\)`/);
  });

  it('never writes data as markup in the page, the SVG or the Markdown', async () => {
    const d = tmp();
    const run = join(d, 'run');
    await writeSyntheticRun(run, { records: 400, seed: 2, hostile: HOSTILE });
    const rankFile = jsonFile(d, 'rank.json', { models: HOSTILE.map((m, i) => ({ model: m, items: 5, meanScore: 5 - i, meanReference: 4 + i })) });
    const r = await buildReport(await loadReportInputs([run, rankFile]));
    const html = toHtml(r);
    const markup = /<script|<img|<svg onload|<[^>]*\son[a-z]+\s*=/i; // a tag with an event handler, not the words as text
    expect(html).not.toMatch(markup);
    for (const h of HOSTILE) expect(html).toContain(escapeHtml(h)); // shown, as text
    expect(html).toContain('Content-Security-Policy');
    const out = join(d, 'report.md');
    const w = writeReport(r, out, 'md');
    const md = readFileSync(out, 'utf8');
    expect(md).not.toMatch(markup);
    expect(md).not.toMatch(/(?<!\\)\]\(http/);
    for (const f of w.files.slice(1)) expect(readFileSync(f, 'utf8')).not.toMatch(markup);
  });
});

describe('themes, plugins and formats', () => {
  it('applies a theme and per-figure overrides, and refuses a figure that loads data', async () => {
    const run = join(tmp(), 'run');
    await writeSyntheticRun(run, { records: 300, seed: 1 });
    const inputs = await loadReportInputs([run]);
    const r = await buildReport(inputs, {
      theme: { config: { font: 'Georgia' }, figures: { scatter: { width: 222 }, reliability: { data: { url: 'http://example.invalid/x.csv' }, layer: [{ mark: 'point', encoding: {} }] } } },
    });
    const scatter = r.figures.find((f) => f.id === 'scatter')!;
    expect(scatter.svg).toContain('font-family="Georgia"');
    expect((scatter.spec as { width: number }).width).toBe(222);
    const rel = r.figures.find((f) => f.id === 'reliability')!;
    expect(rel.svg).toBeUndefined();
    expect(rel.error).toMatch(/must carry their data inline/);
  });

  it('draws a figure a plugin adds', async () => {
    const extra: Figure = {
      id: 'plugin-count',
      title: 'Items per split',
      guide: 'A plugin figure.',
      build: (d) => ({ data: { values: [{ n: d.items!.score.length }] }, mark: 'bar', encoding: { y: { field: 'n', type: 'quantitative' } } }),
    };
    const run = join(tmp(), 'run');
    await writeSyntheticRun(run, { records: 200, seed: 1 });
    const r = await buildReport(await loadReportInputs([run]), { figures: [...figures, extra] });
    expect(r.figures.at(-1)!.id).toBe('plugin-count');
    expect(r.figures.at(-1)!.svg).toMatch(/^<svg/);
  });

  it('writes HTML, Markdown with SVG files beside it, and JSON with the specs', async () => {
    const d = tmp();
    const run = join(d, 'run');
    await writeSyntheticRun(run, { records: 300, seed: 1 });
    const r = await buildReport(await loadReportInputs([run]));
    const html = writeReport(r, join(d, 'out', 'report.html'));
    expect(html.format).toBe('html');
    expect(readFileSync(html.files[0], 'utf8')).toMatch(/^<!doctype html>/);
    const md = writeReport(r, join(d, 'out', 'summary.md'));
    expect(md.files.slice(1).every((f) => f.includes('summary-figures') && existsSync(f))).toBe(true);
    expect(readFileSync(md.files[0], 'utf8')).toContain('![Risk–coverage](summary-figures/risk-coverage.svg)');
    const js = writeReport(r, join(d, 'out', 'report.json'));
    const parsed = JSON.parse(readFileSync(js.files[0], 'utf8'));
    expect(parsed.format).toBe('selfj-report');
    expect(parsed.figures.find((f: { id: string }) => f.id === 'risk-coverage').spec.layer.length).toBeGreaterThan(1);
  });
});
