/** `selfj meta-eval` results: the file is read as the documented format, each kind is one bar chart, every number is in the table, and nothing from the data is written as markup. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSelfjError } from '@selfj/core';
import { describe, expect, it } from 'vitest';
import {
  buildReport,
  deriveReportData,
  escapeHtml,
  loadReportInputs,
  metaEvalBars,
  metaEvalBonFigure,
  metaEvalPairwiseFigure,
  metaEvalPointwiseFigure,
  metaEvalRankingFigure,
  metaEvalReportInputs,
  metaEvalTableFigure,
  toHtml,
  writeReport,
  type MetaEvalInfo,
} from '../src/index.js';
import { HOSTILE } from './hostile.js';
import { metaEvalResult } from './meta-eval-result.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'selfj-report-meta-'));

interface Panel {
  title: { text: string };
  layer: { name?: string; data: { values: { set: string; label: string; value: number | null; who: string; judge: string; text: string }[] } }[];
}
const panels = (spec: unknown) => (spec as { vconcat: Panel[] }).vconcat;
/** The rows one kind of mark draws, over every panel: "series" (a judge's bar), "published", "baseline". */
const drawn = (spec: unknown, mark: string) => panels(spec).flatMap((p) => p.layer.filter((l) => l.name?.startsWith(`${mark}_`)).flatMap((l) => l.data.values));

async function loaded(result: object) {
  const d = tmp();
  const f = join(d, 'meta-eval.json');
  writeFileSync(f, JSON.stringify(result, null, 2));
  return { file: f, inputs: await loadReportInputs([f]) };
}

describe('meta-eval input', () => {
  it('reads the result file that selfj meta-eval --out writes, as the hook reads the object', async () => {
    const result = metaEvalResult();
    const { file, inputs } = await loaded(result);
    expect(inputs.sources).toEqual([file]);
    expect(inputs.metaEval).toEqual(metaEvalReportInputs(result).metaEval);
    const m = inputs.metaEval!;
    expect(m.sets.map((s) => [s.name, s.kind, s.primary])).toEqual(result.sets.map((s) => [s.name, s.kind, s.primary]));
    expect(m.sets.find((s) => s.name === 'autoj-pairwise')!.published).toHaveLength(7);
    expect(m.sets.find((s) => s.name === 'mt-bench-human')!.error).toMatch(/Files are missing/);
    expect(m.rows.find((r) => r.set === 'llmbar-natural' && r.judge === 'similarity')!.metrics.accuracy).toBeNull();
  });

  it('refuses another format version and a result with nothing in it, with what to do', async () => {
    for (const bad of [{ ...metaEvalResult(), format: 'selfj.meta-eval/v9' }, { format: 'selfj.meta-eval/v1', sets: [], rows: [] }]) {
      const e = await loaded(bad).then(() => undefined, (x: unknown) => x);
      expect(isSelfjError(e), String(e)).toBe(true);
      expect((e as { code: string }).code).toBe('BAD_INPUT');
      expect((e as Error).message).toMatch(/Possible solutions/);
    }
  });
});

describe('meta-eval figures', () => {
  const result = metaEvalResult();
  const data = deriveReportData(metaEvalReportInputs(result));
  const m = data.metaEval as MetaEvalInfo;
  const primaryOf = (set: string) => result.sets.find((s) => s.name === set)!.primary;
  const okRows = (kind: string) =>
    result.rows.filter((r) => {
      const s = result.sets.find((x) => x.name === r.set)!;
      return s.kind === kind && !('error' in s) && r.status === 'ok' && typeof r.metrics[s.primary as keyof typeof r.metrics] === 'number';
    });

  it("draws one bar per judge with a value: the row's primary metric, exactly", () => {
    for (const [kind, figure] of [['pointwise', metaEvalPointwiseFigure], ['pairwise', metaEvalPairwiseFigure], ['ranking', metaEvalRankingFigure], ['bon', metaEvalBonFigure]] as const) {
      const spec = figure.build(data);
      const bars = drawn(spec, 'series');
      const want = okRows(kind).map((r) => ({ set: r.set, judge: r.judge, value: r.metrics[primaryOf(r.set) as keyof typeof r.metrics] }));
      expect(bars.map((b) => ({ set: b.set, judge: b.judge, value: b.value })), kind).toEqual(want);
    }
    // pointwise: a correlation axis from -1 (the length judge's Pearson is negative)
    expect(metaEvalBars(m, 'pointwise').domain).toEqual([-1, 1]);
    expect(metaEvalBars(m, 'pairwise').domain).toEqual([0, 1]);
  });

  it('marks only the published numbers of the primary metric, numbered by source, and the best-of-N baselines', () => {
    const pairwise = metaEvalPairwiseFigure.build(data);
    const published = drawn(pairwise, 'published');
    // Auto-J 7 + PandaLM 2 accuracies (its macro-F1 is not the primary metric) + LLMBar 1; the failed set draws nothing
    expect(published).toHaveLength(10);
    const want = result.sets.filter((s) => s.kind === 'pairwise' && !('error' in s)).flatMap((s) => s.published.filter((p) => p.metric === s.primary).map((p) => p.value));
    expect(published.map((p) => p.value)).toEqual(want);
    // sources are numbered over the whole result ([1] is the pointwise set's), the same in every figure and the table
    expect(published[0].label).toBe('GPT-4 (published) [2]');
    expect(published.at(-1)!.label).toBe('GPT-4 (Vanilla) (published) [4]');
    const caption = metaEvalPairwiseFigure.caption!(data)!;
    expect(caption).toContain('from [2] GAIR-NLP/auto-j@06824d27 README.md (autoj-pairwise); [3] WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment) (pandalm); [4] princeton-nlp/LLMBar@caa7bee7 statistics.json (llmbar-natural).');
    expect(metaEvalPointwiseFigure.caption!(data)).toContain('from [1] my source (my-ratings).');
    expect(caption).toContain('1 judge row(s) have no value');
    // the judge without a value keeps its row, with why
    const llmbar = panels(pairwise).find((p) => p.title.text === 'llmbar-natural · accuracy')!;
    const rowsOf = (p: Panel) => (p.layer[0] as unknown as { encoding: { y: { scale: { domain: string[] } } } }).encoding.y.scale.domain;
    expect(rowsOf(llmbar)).toEqual(['length', 'similarity', 'GPT-4 (Vanilla) (published) [4]']);
    const why = llmbar.layer.flatMap((l) => l.data.values).find((r) => r.label === 'similarity' && r.who === 'judge');
    expect(why).toMatchObject({ value: null, text: 'n/a (undefined)' });
    // the set that failed to load has no panel
    expect(panels(pairwise).map((p) => p.title.text)).toEqual(['autoj-pairwise · agreement', 'pandalm · accuracy', 'llmbar-natural · accuracy']);

    expect(drawn(metaEvalRankingFigure.build(data), 'published')).toEqual([]);
    expect(metaEvalRankingFigure.caption!(data)).toMatch(/carries no published number/);
    const bon = drawn(metaEvalBonFigure.build(data), 'baseline');
    expect(bon.map((b) => [b.label, b.value])).toEqual([['random pick', 0.27], ['oracle pick', 0.58]]);
  });

  it('lists every number in the table: rows, published numbers with their source, and the set that was not loaded', () => {
    const t = metaEvalTableFigure.table!(data)!;
    const published = result.sets.flatMap((s) => ('error' in s ? [] : s.published));
    const rows = result.rows.filter((r) => r.set !== 'mt-bench-human');
    expect(t.rows).toHaveLength(rows.length + published.length + 1);
    const autoj = t.rows.find((r) => r[0] === 'autoj-pairwise' && r[2] === 'length')!;
    expect(autoj.slice(4, 9)).toEqual(['ok', '100', 'agreement', '0.330', 'bestThresholdAgreement 0.410, bestThreshold 0.35, judgeTies 12']);
    expect(t.rows.find((r) => r[2] === 'PandaLM-7B (published)' && r[6] === 'macroF1')!.slice(7)).toEqual(['0.574', '', '[3] WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment)']);
    expect(t.rows.find((r) => r[0] === 'mt-bench-human')![4]).toBe('not loaded: Files are missing: place them under --data-dir');
    expect(t.rows.find((r) => r[2] === 'perplexity')![4]).toBe('skipped: backend has no scoreContinuation');
    expect(t.rows.find((r) => r[0] === 'llmbar-natural' && r[2] === 'length')![5]).toBe('100 (-2)');
    expect(metaEvalTableFigure.caption!(data)).toContain('autoj-pairwise: autoj-agreement; ties: autoj-agreement ties');
  });

  it('renders every kind to SVG without warnings, with one mark per bar and per published number', async () => {
    const r = await buildReport(metaEvalReportInputs(result));
    expect(r.figures.map((f) => f.id)).toEqual(['meta-eval-pointwise', 'meta-eval-pairwise', 'meta-eval-ranking', 'meta-eval-bon', 'meta-eval']);
    for (const f of r.figures) {
      expect(f.error, f.id).toBeUndefined();
      expect(f.warnings, f.id).toEqual([]);
      if (f.id !== 'meta-eval') expect(f.svg, f.id).toMatch(/^<svg/);
    }
    const svg = r.figures.find((f) => f.id === 'meta-eval-pairwise')!.svg!;
    // one rect per bar in the judges' mark groups, one symbol per published diamond
    const count = (cls: RegExp) => [...svg.matchAll(/<g class="mark-(?:rect|symbol) role-mark ([a-z]+_\d+)_marks"[^>]*>(.*?)<\/g>/gs)].filter((g) => cls.test(g[1])).reduce((a, g) => a + (g[2].match(/<path/g) ?? []).length, 0);
    expect(count(/^series_/)).toBe(okRows('pairwise').length);
    expect(count(/^published_/)).toBe(10);
  });

  it('writes hostile set names, judges, reasons and sources only as text', async () => {
    const r = await buildReport(metaEvalReportInputs(metaEvalResult(HOSTILE)));
    expect(r.figures.every((f) => !f.error)).toBe(true);
    const html = toHtml(r);
    const markup = /<script|<img|<svg onload|<[^>]*\son[a-z]+\s*=/i;
    expect(html).not.toMatch(markup);
    for (const h of HOSTILE) expect(html).toContain(escapeHtml(h));
    const d = tmp();
    const w = writeReport(r, join(d, 'meta.md'));
    expect(readFileSync(w.files[0], 'utf8')).not.toMatch(markup);
    for (const f of w.files.slice(1)) expect(readFileSync(f, 'utf8')).not.toMatch(markup);
  });
});
