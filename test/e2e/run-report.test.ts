/**
 * `selfj run` ends with <out>/report.html (real CLI, real tiny model): its path in the JSON, the figures against
 * the data's external grade when the config names one (grade.field), and none with --no-report.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, TINY_MODEL, VECTORS, haveAssets, run } from './helpers.js';

describe.skipIf(!haveAssets)('selfj run writes its report', () => {
  it('report.html with the pipeline, the judge and the external grade; --no-report writes none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'selfj-run-report-'));
    // The shipped demo instructions with a stand-in grade (1-10 by position): it only follows grade.field through
    // the real pipeline into the report; its values mean nothing.
    const data = join(dir, 'data.jsonl');
    const rows = readFileSync(join(REPO, 'packages/cli/data/demo-instructions.jsonl'), 'utf8').split('\n').filter(Boolean);
    writeFileSync(data, `${rows.map((l, i) => JSON.stringify({ ...JSON.parse(l), gpt4_score: 1 + (i % 10) })).join('\n')}\n`);
    const out = join(dir, 'run');
    const cfg = join(dir, 'cfg.json');
    writeFileSync(
      cfg,
      JSON.stringify({
        out,
        seed: 3,
        onBadRecord: 'skip',
        data: { source: data, limit: 20 },
        backend: { id: `llama-cpp:${TINY_MODEL}`, batchSize: 4, options: { threads: 1 } },
        sample: { samples: 2, maxTokens: 12 },
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
