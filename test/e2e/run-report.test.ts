/**
 * `selfj run` ends with <out>/report.html (real CLI, real tiny model): its path in the JSON, the figures against
 * the data's external grade when the config names one (grade.field), and none with --no-report.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, TINY_MODEL, VECTORS, haveAssets, run } from './helpers.js';

const FIXTURES = process.env.SELFJ_TEST_FIXTURES ?? join(REPO, '../shared/fixtures');

describe.skipIf(!haveAssets)('selfj run writes its report', () => {
  it('report.html with the pipeline, the judge and the external grade; --no-report writes none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-run-report-'));
    // Real Auto-J rows: a query, a model's answer and GPT-4's 1-10 rating of that answer. The recorded sampler puts
    // those answers through the pipeline, so the external grade rates exactly what the judge scores (the reference
    // is written for the test: Auto-J has none). The 30 shortest answers, to keep the tiny model's prompts short.
    const data = join(dir, 'rated.json');
    const rated = readFileSync(join(FIXTURES, 'autoj_single_gpt4_rated.dev.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { query: string; response: string; gpt4_score: number })
      .sort((a, b) => a.query.length + a.response.length - (b.query.length + b.response.length))
      .slice(0, 30);
    writeFileSync(data, JSON.stringify(rated.map((r) => ({ task: r.query, gold: 'a helpful, correct answer', answer: r.response, gpt4_score: r.gpt4_score }))));
    const out = join(dir, 'run');
    const cfg = join(dir, 'cfg.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        out,
        seed: 3,
        onBadRecord: 'skip',
        data: { source: data, options: { mapping: { instruction: 'task', reference: 'gold' } } },
        backend: { id: `llama-cpp:${TINY_MODEL}`, batchSize: 4, options: { threads: 1 } },
        sample: { sampler: 'recorded:answer', samples: 1 },
        similarity: { embedder: `static:${VECTORS}` },
        train: { epochs: 5, batchSize: 8 },
        calibrate: { targetRisk: 0.5, delta: 0.2, badBelow: 5 },
        grade: { field: 'gpt4_score' },
        // the tiny model is not instruction-tuned (digit mass ~1e-4): no floor, so that every stage has records
        scoring: { minDigitMass: 0 },
      }),
    );
    const r = await run(['run', '--config', cfg, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    const page = join(out, 'report.html');
    expect(result.report).toBe(page);
    const html = readFileSync(page, 'utf8');
    const ids = [...html.matchAll(/<section class="figure" id="fig-([^"]+)"/g)].map((m) => m[1]);
    for (const id of ['summary', 'risk-coverage', 'risk-coverage-external', 'scatter', 'scatter-external', 'training', 'digit-mass', 'pipeline']) expect(ids, id).toContain(id);
    expect(html).toMatch(/Bad = gpt4_score below 6 \(gpt4_score on its scale 1 to 10\)/);
    // the summary's columns against GPT-4 are the pipeline's own numbers (eval/report.json's external block)
    const ext = JSON.parse(readFileSync(join(out, 'eval', 'report.json'), 'utf8')).external;
    expect(ext).toMatchObject({ field: 'gpt4_score', scale: { min: 1, max: 10, badBelow: 6 } });
    const saved = await run(['report', out, '--format', 'json', '--out', join(dir, 'report.json'), '--quiet']);
    expect(saved.code, saved.stderr).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json.external.n).toBe(ext.n);
    expect(ext.trained, 'the pipeline evaluated the judge against GPT-4').toBeDefined();
    expect(json.external.evaluation.trained.pearson).toEqual(ext.trained.pearson);
    expect(json.external.evaluation.trained.aurc).toEqual(ext.trained.aurc);
    // the tiny model's self-evaluation is noise, and the report says so
    expect(html).toMatch(/<div class="verdict noise"/);

    const before = statSync(page).mtimeMs;
    const again = await run(['run', '--config', cfg, '--no-report', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).report).toBeUndefined();
    expect(statSync(page).mtimeMs).toBe(before);

    const human = await run(['run', '--config', cfg]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.trimEnd().split('\n').at(-1)).toBe(`Report: ${page}`);
    expect(existsSync(page)).toBe(true);
  }, 400_000);
});
