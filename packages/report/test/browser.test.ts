/**
 * The report in a real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; no browser
 * download): opened from file://, no console errors, no network request, every figure an SVG with the expected
 * series and axis titles, hostile strings shown as text, and a screenshot kept as a test artifact.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNTHETIC_CATEGORIES, writeSyntheticRun } from '../bench/synthetic-run.js';
import { buildReport, loadReportInputs, SCATTER_MAX_POINTS, writeReport } from '../src/index.js';
import { HOSTILE } from './hostile.js';
import { metaEvalResult } from './meta-eval-result.js';

const CHROMIUM = process.env.SELFJ_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-artifacts');
// Without the background-networking flags Chromium calls out at start-up, which a closed network refuses noisily.
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface FigureFacts {
  id: string;
  svgWidth: number;
  svgHeight: number;
  legend: string[];
  axisTitles: string[];
  /** Marks per named mark group ("series_marks": one path per line, one symbol per point, one rect per bar). */
  marks: Record<string, number>;
}

// without Chromium every test below is reported as skipped under this name, with the reason
const title = haveChromium ? `the report in headless Chromium (${CHROMIUM})` : `skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`;

if (!haveChromium) console.warn(`browser test ${title}`);

describe.skipIf(!haveChromium)(title, () => {
  let ctx: BrowserContext;
  let page: Page;
  let pageUrl: string;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let facts: FigureFacts[];
  let testItems: number;
  let gradedItems: number;
  const meta = metaEvalResult(HOSTILE);

  beforeAll(async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-report-browser-'));
    const run = join(d, 'run');
    const w = await writeSyntheticRun(run, { records: 3000, seed: 7, hostile: HOSTILE, external: { field: 'gpt4_score', missingEvery: 9 } });
    testItems = w.test.length;
    gradedItems = w.test.filter((t) => t.ext !== undefined).length;
    const metaFile = join(d, 'meta-eval.json');
    writeFileSync(metaFile, JSON.stringify(meta));
    const rank = join(d, 'rank.json');
    const models = [...HOSTILE, 'model-a', 'model-b'].map((m, i) => ({ model: m, items: 20, meanScore: 6 - i * 0.3, meanReference: 5 + ((i * 3) % 5) }));
    writeFileSync(rank, JSON.stringify({ models, agreement: { spearman: 0.1, kendallTauB: 0.05 } }));
    const report = await buildReport(await loadReportInputs([run, rank, metaFile]));
    const out = join(d, 'report.html');
    writeReport(report, out);
    pageUrl = pathToFileURL(out).href;

    ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'selfj-chromium-profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1100, height: 900 },
    });
    page = await ctx.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    page.on('dialog', (dl) => {
      consoleErrors.push(`dialog: ${dl.message()}`);
      void dl.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pageUrl, { waitUntil: 'load' });
    facts = await page.$$eval('section.figure', (sections) =>
      sections.map((s) => {
        const svg = s.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        const texts = (sel: string) => [...s.querySelectorAll(sel)].map((t) => t.textContent ?? '');
        const marks: Record<string, number> = {};
        for (const g of s.querySelectorAll('g.role-mark')) {
          const name = [...g.classList].find((c) => c.endsWith('_marks'));
          if (name) marks[name] = (marks[name] ?? 0) + g.querySelectorAll(':scope > path, :scope > line, :scope > text').length;
        }
        return { id: s.getAttribute('data-figure') ?? '', svgWidth: box?.width ?? 0, svgHeight: box?.height ?? 0, legend: texts('.role-legend-label text'), axisTitles: texts('.role-axis-title text'), marks };
      }),
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  }, 120_000);

  afterAll(async () => {
    await ctx?.close();
  });

  const fig = (id: string) => {
    const f = facts.find((x) => x.id === id);
    expect(f, `figure ${id}`).toBeDefined();
    return f!;
  };

  it('loads from file:// with no console error, no dialog and no request but the page itself', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toEqual([pageUrl]);
  });

  it('draws every figure as a non-empty SVG with its series and axis titles', () => {
    const drawn = facts.filter((f) => f.svgWidth > 0).map((f) => f.id);
    expect(drawn).toEqual([
      'risk-coverage',
      'risk-coverage-external',
      'reliability',
      'score-histograms',
      'scatter',
      'scatter-external',
      'training',
      'digit-mass',
      'categories',
      'ranking',
      'meta-eval-pointwise',
      'meta-eval-pairwise',
      'meta-eval-ranking',
      'meta-eval-bon',
    ]);
    for (const id of drawn) expect(fig(id).svgHeight, id).toBeGreaterThan(100);

    const rc = fig('risk-coverage');
    const curves = ['trained judge', 'zero-shot self-evaluation', 'similarity to the reference alone', 'length alone (tokens, longer first)', 'random order (expected)', 'oracle (bad answers last)'];
    expect(rc.legend).toEqual(curves);
    expect(rc.marks.series_marks).toBe(curves.length);
    expect(rc.marks.tau_marks).toBe(2);
    expect(rc.axisTitles).toEqual(['coverage (share answered)', 'risk (bad share of answered)']);

    const rce = fig('risk-coverage-external');
    expect(rce.legend).toEqual(curves);
    expect(rce.marks.series_marks).toBe(curves.length);
    expect(rce.marks.tau_marks).toBe(1); // tau on these items only: the calibration point is a label-z number
    expect(rce.axisTitles).toEqual(['coverage (share answered)', 'risk (bad share of answered)']);

    const rel = fig('reliability');
    expect(rel.legend).toEqual(['trained judge', 'zero-shot self-evaluation']);
    expect(rel.marks.series_marks).toBe(2);
    expect(rel.axisTitles).toEqual(['trained judge (bin middle)', 'mean label z']);

    const hist = fig('score-histograms');
    expect(hist.legend).toEqual(['good (label z >= 5)', 'bad (label z < 5)']);
    expect(hist.axisTitles).toEqual(['trained judge', 'items']);

    const sc = fig('scatter');
    expect(sc.marks.series_marks).toBe(Math.min(testItems, SCATTER_MAX_POINTS));
    expect(sc.axisTitles).toEqual(['trained judge', 'label z']);

    const sce = fig('scatter-external');
    expect(sce.marks.series_marks).toBe(Math.min(gradedItems, SCATTER_MAX_POINTS));
    expect(sce.axisTitles).toEqual(['trained judge', 'gpt4_score']);

    const tr = fig('training');
    expect(tr.marks.series_loss_marks).toBe(2);
    expect(tr.marks.series_pearson_marks).toBe(1);
    expect(tr.legend).toEqual(['training loss', 'validation loss', 'validation Pearson']);
    expect(tr.axisTitles).toEqual(['epoch', 'loss', 'epoch', 'validation Pearson']);

    const dm = fig('digit-mass');
    expect(dm.legend).toEqual(['with reference', 'reference-free']);
    expect(dm.axisTitles).toEqual(['probability mass on the ten digits (log scale)', 'items']);

    const cat = fig('categories');
    expect(cat.marks.series_marks).toBe(SYNTHETIC_CATEGORIES.length); // the hostile categories are too small for metrics
    expect(cat.axisTitles).toEqual(['Pearson with the grade', 'category']);

    const rk = fig('ranking');
    expect(rk.marks.series_marks).toBe(HOSTILE.length + 2);
    expect(rk.axisTitles).toEqual(['reference rank (1 = best)', 'judge rank (1 = best)']);

    // meta-evaluation: one bar per judge row with a value, one diamond per published number of the primary metric
    const sum = (f: FigureFacts, prefix: string) => Object.entries(f.marks).filter(([k]) => k.startsWith(prefix)).reduce((a, [, n]) => a + n, 0);
    for (const kind of ['pointwise', 'pairwise', 'ranking', 'bon']) {
      const sets = meta.sets.filter((x) => x.kind === kind && !('error' in x));
      const f = fig(`meta-eval-${kind}`);
      const bars = meta.rows.filter((r) => sets.some((x) => x.name === r.set && r.status === 'ok' && typeof (r.metrics as Record<string, unknown>)[x.primary] === 'number'));
      expect(sum(f, 'series_'), kind).toBe(bars.length);
      expect(sum(f, 'published_'), kind).toBe(sets.flatMap((x) => x.published.filter((p) => p.metric === x.primary)).length);
      expect(f.legend, kind).toEqual([...new Set(bars.map((r) => r.judge))]);
    }
    expect(sum(fig('meta-eval-bon'), 'baseline_')).toBe(2);
    expect(fig('meta-eval-pairwise').axisTitles).toEqual(['primary metric (agreement, accuracy)']);
  });

  it('shows hostile strings as text, in tables and in the SVG, and runs none of them', async () => {
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.$$eval('script, img, iframe, object, embed', (x) => x.length)).toBe(0);
    const handlers = await page.$$eval('*', (els) => els.flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}.${a.name}`)));
    expect(handlers).toEqual([]);
    const cells = await page.$$eval('#fig-examples td', (tds) => tds.map((t) => t.textContent));
    for (const h of HOSTILE) expect(cells, h).toContain(h);
    const svgText = await page.$$eval('#fig-ranking svg text', (ts) => ts.map((t) => t.textContent));
    for (const h of HOSTILE) expect(svgText, h).toContain(h);
    // a set name, a judge name and a skip reason from a meta-evaluation result, in its chart; a source in its table
    const metaText = (await page.$$eval('#fig-meta-eval-pointwise svg text', (ts) => ts.map((t) => t.textContent))).join('\n');
    expect(metaText).toContain(`${HOSTILE[0]} · pearson`);
    expect(metaText).toContain(HOSTILE[1]);
    expect(metaText).toContain(`n/a (skipped: ${HOSTILE[2]}`);
    const metaCells = await page.$$eval('#fig-meta-eval td', (tds) => tds.map((t) => t.textContent));
    expect(metaCells).toContain(`[1] ${HOSTILE[3]}`);
  });

  it('states the guarantee and the reading guide under the risk-coverage figure', async () => {
    const text = await page.textContent('#fig-risk-coverage figcaption');
    expect(text).toMatch(/Lower is better/);
    expect(text).toMatch(/Guarantee: answering when score >= tau = \d\.\d\d keeps the share of bad answers at most 0\.25 with confidence 90\.0% \(delta 0\.1\)/);
  });
});
