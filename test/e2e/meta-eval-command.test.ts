/**
 * `selfj meta-eval` through the real CLI process: a built-in set from --data-dir (the real LLMBar fixture placed as
 * a user would), the table with the published number, --json/--out, the perplexity judge skipped cleanly on a
 * backend without scoreContinuation... and run for real on the tiny llama.cpp model, which has it.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, REPO, TINY_MODEL, run } from './helpers.js';

// the shared real fixtures: SELFJ_TEST_FIXTURES, else the dev setup's folder beside the repository
const FIXTURES = process.env.SELFJ_TEST_FIXTURES ?? resolve(REPO, '../shared/fixtures');
const LLMBAR = join(FIXTURES, 'llmbar_natural_pairwise.dev.jsonl');

function dataDir(rows: number): string {
  const d = mkdtempSync(join(tmpdir(), 'selfj-meta-eval-cli-'));
  const file = join(d, 'princeton-nlp/LLMBar/Dataset/LLMBar/Natural/dataset.json');
  mkdirSync(dirname(file), { recursive: true });
  const data = readFileSync(LLMBAR, 'utf8').split('\n').filter(Boolean).slice(0, rows).map((l) => JSON.parse(l));
  writeFileSync(file, JSON.stringify(data));
  return d;
}

describe.skipIf(!existsSync(BIN) || !existsSync(LLMBAR))('selfj meta-eval (real CLI)', () => {
  it('prints one table with our rows and the published number; --out writes the result JSON', async () => {
    const d = dataDir(96);
    const out = join(d, 'result.json');
    const r = await run(['meta-eval', '--set', 'llmbar-natural', '--judge', 'length', '--judge', 'length:words', '--data-dir', d, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/llmbar-natural\s+length\s+no\s+96\s+accuracy 0\.\d{3}/);
    expect(r.stdout).toMatch(/GPT-4 \(Vanilla\) \(published\)\s+accuracy 0\.955\s+\[1\]/);
    expect(r.stdout).toContain('[1] princeton-nlp/LLMBar@caa7bee7');
    const j = JSON.parse(readFileSync(out, 'utf8'));
    expect(j.format).toBe('selfj.meta-eval/v1');
    expect(j.rows.map((x: { judge: string; status: string }) => [x.judge, x.status])).toEqual([['length', 'ok'], ['length:words', 'ok']]);
  });

  it.skipIf(!existsSync(TINY_MODEL))('perplexity on the tiny llama.cpp model runs (it has scoreContinuation); an unknown set gets did-you-mean', async () => {
    const d = dataDir(8);
    const r = await run(['meta-eval', '--set', 'llmbar-natural', '--judge', `perplexity:llama-cpp:${TINY_MODEL}`, '--data-dir', d, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows[0]).toMatchObject({ status: 'ok', n: 8, judgeId: `perplexity:llama-cpp:${TINY_MODEL}` });
    expect(typeof j.rows[0].metrics.accuracy).toBe('number');
    const bad = await run(['meta-eval', '--set', 'llmbar-natral', '--judge', 'length']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/No meta-evaluation set "llmbar-natral" \(did you mean "llmbar-natural"\?\)/);
  });

  it('--list names every built-in set', async () => {
    const r = await run(['meta-eval', '--list']);
    expect(r.code, r.stderr).toBe(0);
    for (const name of ['prometheus-vicuna', 'autoj-pairwise', 'pandalm', 'llmbar-natural', 'mt-bench-human', 'alpacaeval-ranking', 'alpacaeval-bon']) expect(r.stdout).toContain(name);
  });
});
