/**
 * `--report` on eval, calibrate, rank and meta-eval, through `main([...])` on real data: the report is written
 * from what the command computed, says the same numbers, and its path is printed (or in the JSON with --json).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const fixtures = process.env.SELFJ_TEST_FIXTURES ?? '';
const AUTOJ = join(fixtures, 'autoj_single_gpt4_rated.dev.jsonl');
const LLMBAR = join(fixtures, 'llmbar_natural_pairwise.dev.jsonl');
if (!existsSync(AUTOJ) || !existsSync(LLMBAR)) {
  throw new Error(`SELFJ_TEST_FIXTURES (${fixtures || 'unset'}) must point at the shared fixtures (autoj_single_gpt4_rated.dev.jsonl, llmbar_natural_pairwise.dev.jsonl).`);
}
const dir = mkdtempSync(join(tmpdir(), 'selfj-report-hooks-'));

/** Runs the CLI in this process and keeps what it prints. */
async function selfj(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => {
    stdout += String(s);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => {
    stderr += String(s);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

// Real GPT-4 ratings (Auto-J) with a naive real judge: the response length.
const autoj = readFileSync(AUTOJ, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { response: string; gpt4_score: number; scenario: string });
const scored = join(dir, 'autoj-scored.jsonl');
writeFileSync(scored, autoj.map((r) => JSON.stringify({ ...r, judge: { score: r.response.length / 500 } })).join('\n'));
const fields = ['--score-field', 'judge.score', '--grader-field', 'gpt4_score'];
const sections = (html: string) => [...html.matchAll(/<section class="figure" id="fig-([^"]+)"/g)].map((m) => m[1]);

// each test renders real figures (vega): seconds each on a busy 2-core machine
describe('--report', { timeout: 120_000 }, () => {
  it("eval: the report's graded AURC is selfj eval's, on the default scale and on a given one, and selfj report of the same JSONL agrees", async () => {
    for (const scale of [[], ['--min-grade', '0', '--max-grade', '10']]) {
      const evalJson = join(dir, `eval${scale.length}.json`);
      const reportJson = join(dir, `eval-report${scale.length}.json`);
      const r = await selfj(['eval', '--input', scored, ...fields, ...scale, '--out', evalJson, '--report', reportJson, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).report).toBe(resolve(reportJson));
      const ev = JSON.parse(readFileSync(evalJson, 'utf8')).items;
      const rep = JSON.parse(readFileSync(reportJson, 'utf8'));
      expect(rep.evaluation.trained.aurc).toBe(ev.aurc);
      expect(rep.evaluation.trained.pearson).toBe(ev.pearson);
      expect(rep.items).toMatchObject({ n: 828, minGrade: scale.length ? 0 : 1, maxGrade: 10 });

      const again = join(dir, `report-cmd${scale.length}.json`);
      const c = await selfj(['report', scored, ...fields, ...scale, '--bad-below', '6', '--out', again, '--quiet']);
      expect(c.code, c.stderr).toBe(0);
      expect(JSON.parse(readFileSync(again, 'utf8')).evaluation.trained.aurc).toBe(ev.aurc);
    }
    const zero = JSON.parse(readFileSync(join(dir, 'eval4.json'), 'utf8')).items.aurc;
    const one = JSON.parse(readFileSync(join(dir, 'eval0.json'), 'utf8')).items.aurc;
    expect(zero).not.toBe(one); // the scale matters, so agreeing on it is not a coincidence
  });

  it('eval: an HTML page with the judge figures, its path printed after the table', async () => {
    const page = join(dir, 'eval.html');
    const r = await selfj(['eval', '--input', scored, ...fields, '--category-field', 'scenario', '--report', page]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/AURC \(graded loss\)/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`Report: ${resolve(page)}`);
    expect(sections(readFileSync(page, 'utf8'))).toEqual(['summary', 'risk-coverage', 'reliability', 'score-histograms', 'scatter', 'categories']);
  });

  it('eval --pairs: the agreement table, as Markdown', async () => {
    const pairs = readFileSync(LLMBAR, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { output_1: string; output_2: string; label: number });
    const file = join(dir, 'pairs.jsonl');
    writeFileSync(file, pairs.map((p) => JSON.stringify({ ...p, s1: p.output_1.length, s2: p.output_2.length })).join('\n'));
    const md = join(dir, 'pairs.md');
    const r = await selfj(['eval', '--pairs', file, '--score-a-field', 's1', '--score-b-field', 's2', '--label-a', '1', '--label-b', '2', '--report', md, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('Report:');
    expect(readFileSync(md, 'utf8')).toContain(`| pairs | ${pairs.length} |`);
  });

  it('calibrate: the guarantee with its grid and the items', async () => {
    const page = join(dir, 'calibrate.html');
    const r = await selfj(['calibrate', '--input', scored, ...fields, '--target-risk', '0.4', '--out', join(dir, 'threshold.json'), '--report', page]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`Report: ${resolve(page)}`);
    const html = readFileSync(page, 'utf8');
    expect(sections(html)).toContain('calibration');
    const threshold = JSON.parse(readFileSync(join(dir, 'threshold.json'), 'utf8'));
    expect(html).toContain(threshold.tau === null ? 'No threshold is certified for target risk 0.4' : 'Guarantee: answering when score &gt;= tau');
  });

  it('rank: the ranking figure with the agreement', async () => {
    const input = join(dir, 'judged.jsonl');
    const rows = autoj.slice(0, 300).map((r, i) => ({ model: `model-${i % 4}`, score: r.response.length, gpt4: r.gpt4_score }));
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n'));
    const page = join(dir, 'rank.html');
    const r = await selfj(['rank', '--input', input, '--reference-field', 'gpt4', '--report', page, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.report).toBe(resolve(page));
    const html = readFileSync(page, 'utf8');
    expect(sections(html)).toEqual(['ranking']);
    expect(html).toContain(`Spearman ${result.agreement.spearman.toFixed(3)}`);
  });

  it('meta-eval: one chart per set kind with the published number, and selfj report of its --out draws the same', async () => {
    const data = join(dir, 'meta-eval-data');
    const file = join(data, 'princeton-nlp/LLMBar/Dataset/LLMBar/Natural/dataset.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(readFileSync(LLMBAR, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))));
    const page = join(dir, 'meta-eval.html');
    const result = join(dir, 'meta-eval.json');
    const r = await selfj(['meta-eval', '--set', 'llmbar-natural', '--judge', 'length', '--judge', 'length:words', '--data-dir', data, '--out', result, '--report', page]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`Report: ${resolve(page)}`);
    const html = readFileSync(page, 'utf8');
    expect(sections(html)).toEqual(['meta-eval-pairwise', 'meta-eval']);
    expect(html).toContain('GPT-4 (Vanilla) (published) [1]');
    expect(html).toMatch(/Diamonds: numbers the sets&#39; authors published, from \[1\] princeton-nlp\/LLMBar@caa7bee7/);
    const accuracy = JSON.parse(readFileSync(result, 'utf8')).rows.find((x: { judge: string }) => x.judge === 'length').metrics.accuracy as number;
    expect(html).toContain(`>${accuracy.toFixed(3)}</text>`);

    const again = join(dir, 'meta-eval-again.html');
    const c = await selfj(['report', result, '--out', again]);
    expect(c.code, c.stderr).toBe(0);
    expect(sections(readFileSync(again, 'utf8'))).toEqual(sections(html));
  });
});
