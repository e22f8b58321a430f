import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateThreshold } from '@selfj/core/decide';
import { evaluateScores, pairwiseAgreement } from '@selfj/core/metrics';
import { main } from '../src/cli.js';

// Real data from SELFJ_TEST_FIXTURES (vitest.config.ts sets it for the dev setup).
const fixtures = process.env.SELFJ_TEST_FIXTURES ?? '';
if (!existsSync(join(fixtures, 'autoj_single_gpt4_rated.dev.jsonl'))) {
  throw new Error(`SELFJ_TEST_FIXTURES (${fixtures || 'unset'}) must point at a folder with autoj_single_gpt4_rated.dev.jsonl (GAIR-NLP/auto-j, GPT-4-rated responses) and llmbar_natural_pairwise.dev.jsonl (princeton-nlp/LLMBar).`);
}
const dir = mkdtempSync(join(tmpdir(), 'selfj-eval-'));

// A naive, real-data baseline "judge": the response length. The grader is GPT-4 (real ratings from Auto-J).
const autoj = readFileSync(join(fixtures, 'autoj_single_gpt4_rated.dev.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { response: string; gpt4_score: number; scenario: string });
const scoredFile = join(dir, 'autoj-scored.jsonl');
writeFileSync(scoredFile, autoj.map((r) => JSON.stringify({ ...r, judge: { score: r.response.length / 500 } })).join('\n'));

describe('selfj eval', () => {
  it('computes the library metrics on a real fixture, with fields named by flags', async () => {
    const out = join(dir, 'report.json');
    const code = await main(['eval', '--input', scoredFile, '--score-field', 'judge.score', '--grader-field', 'gpt4_score',
      '--category-field', 'scenario', '--out', out, '--quiet']);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const expected = evaluateScores(autoj.map((r) => r.response.length / 500), autoj.map((r) => r.gpt4_score), {
      maxGrade: 10, badBelow: 6, coverages: [0.2, 0.4, 0.6, 0.8, 1], categories: autoj.map((r) => r.scenario), minCategorySize: 5,
    });
    expect(report.items.n).toBe(828);
    expect(report.items.pearson).toBeCloseTo(expected.pearson, 12);
    expect(report.items.kendallTauB).toBeCloseTo(expected.kendallTauB, 12);
    expect(report.items.byCategory.code_generation.n).toBe(expected.byCategory.code_generation.n);
  });

  it('evaluates real preference pairs (LLMBar labels 1/2)', async () => {
    const pairs = readFileSync(join(fixtures, 'llmbar_natural_pairwise.dev.jsonl'), 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { output_1: string; output_2: string; label: number });
    const file = join(dir, 'pairs.jsonl');
    writeFileSync(file, pairs.map((p) => JSON.stringify({ ...p, s1: p.output_1.length, s2: p.output_2.length })).join('\n'));
    const out = join(dir, 'pairs-report.json');
    const code = await main(['eval', '--pairs', file, '--score-a-field', 's1', '--score-b-field', 's2', '--label-field', 'label',
      '--label-a', '1', '--label-b', '2', '--out', out, '--quiet']);
    expect(code).toBe(0);
    const expected = pairwiseAgreement(pairs.map((p) => p.output_1.length), pairs.map((p) => p.output_2.length),
      pairs.map((p) => (p.label === 1 ? 'a' : 'b')));
    expect(JSON.parse(readFileSync(out, 'utf8')).pairwise).toEqual(expected);
  });

  it('names file, line and field for a bad record, and skips it on request', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"score": 1, "grade": 5}\n{"score": "x", "grade": 2}\n{"score": 3, "grade": 9}\n');
    const errors: string[] = [];
    const origWrite = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['eval', '--input', bad])).toBe(1);
    } finally {
      process.stderr.write = origWrite;
    }
    expect(errors.join('')).toMatch(/bad\.jsonl:2: field "score" is "x", not a number/);
    const out = join(dir, 'skip.json');
    expect(await main(['eval', '--input', bad, '--on-bad-record', 'skip', '--out', out, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ skipped: { lines: 0, records: 1 }, items: { n: 2 } });
    // an unparsable line is a bad record too: it fails by default and is passed over (and counted) with skip
    const torn = join(dir, 'torn.jsonl');
    writeFileSync(torn, '{"score": 1, "grade": 5}\n{"score": 2, "gra\n{"score": 3, "grade": 9}\nnot json at all\n{"score": 4, "grade": 1}\n');
    expect(await main(['eval', '--input', torn, '--quiet'])).toBe(1);
    const out2 = join(dir, 'torn.json');
    expect(await main(['eval', '--input', torn, '--on-bad-record', 'skip', '--out', out2, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(out2, 'utf8'))).toMatchObject({ skipped: { lines: 2, records: 0 }, items: { n: 3 } });
    const thr = join(dir, 'torn-threshold.json');
    expect(await main(['calibrate', '--input', torn, '--quiet', '--out', thr])).toBe(1);
    expect(existsSync(thr)).toBe(false);
    expect(await main(['calibrate', '--input', torn, '--on-bad-record', 'skip', '--out', thr, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(thr, 'utf8'))).toMatchObject({ n: 3, skipped: { lines: 2, records: 0 } });
  });
});

describe('selfj calibrate', () => {
  it('writes a threshold file equal to the library result', async () => {
    const out = join(dir, 'threshold.json');
    const code = await main(['calibrate', '--input', scoredFile, '--score-field', 'judge.score', '--grader-field', 'gpt4_score',
      '--bad-below', '4', '--target-risk', '0.5', '--delta', '0.1', '--out', out, '--quiet']);
    expect(code).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    const lib = calibrateThreshold({
      scores: autoj.map((r) => r.response.length / 500), bad: autoj.map((r) => r.gpt4_score < 4), targetRisk: 0.5, delta: 0.1,
    });
    expect(file).toMatchObject({ tau: lib.tau, coverage: lib.coverage, feasible: lib.feasible, badBelow: 4 });
    expect(existsSync(`${out}.${process.pid}.tmp`)).toBe(false);
  });
});

describe('selfj eval: the grade scale (item 9)', () => {
  it('the graded loss runs from 0 (grade 10) to 1 (grade 1) by default; a grade off the scale is a bad record', async () => {
    const out = join(dir, 'scale.json');
    expect(await main(['eval', '--input', scoredFile, '--score-field', 'judge.score', '--grader-field', 'gpt4_score', '--out', out, '--quiet'])).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8'));
    const meanLoss = autoj.reduce((s, r) => s + (10 - r.gpt4_score) / 9, 0) / autoj.length;
    expect(report.scale).toEqual({ minGrade: 1, maxGrade: 10, badBelow: 6 });
    expect(report.items.aurcRandom).toBeCloseTo(meanLoss, 12);
    const zero = join(dir, 'zero-grade.jsonl');
    writeFileSync(zero, '{"score": 1, "grade": 5}\n{"score": 2, "grade": 0}\n{"score": 3, "grade": 9}\n');
    const out2 = join(dir, 'zero.json');
    expect(await main(['eval', '--input', zero, '--on-bad-record', 'skip', '--out', out2, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(out2, 'utf8'))).toMatchObject({ skipped: { records: 1 }, items: { n: 2 } });
    expect(await main(['eval', '--input', zero, '--min-grade', '0', '--out', out2, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(out2, 'utf8')).items.n).toBe(3);
  });
});

describe('selfj calibrate: procedure and instruction-level draws (items 4, 5)', () => {
  it('fixed-sequence by default, bonferroni on request, both as the library computes them', async () => {
    const scores = autoj.map((r) => r.response.length / 500);
    const bad = autoj.map((r) => r.gpt4_score < 4);
    for (const procedure of ['fixed-sequence', 'bonferroni'] as const) {
      const out = join(dir, `thr-${procedure}.json`);
      const extra = procedure === 'bonferroni' ? ['--procedure', 'bonferroni'] : [];
      expect(await main(['calibrate', '--input', scoredFile, '--score-field', 'judge.score', '--grader-field', 'gpt4_score', '--bad-below', '4', '--target-risk', '0.3', '--out', out, '--quiet', ...extra])).toBe(0);
      const lib = calibrateThreshold({ scores, bad, targetRisk: 0.3, delta: 0.1, procedure });
      expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ procedure, tau: lib.tau, coverage: lib.coverage, level: lib.level, unit: 'item' });
    }
    expect(await main(['calibrate', '--input', scoredFile, '--procedure', 'holm', '--quiet'])).toBe(1);
  });

  it('--group-field id uses one sample per instruction and says so; repeated ids without it get a warning', async () => {
    const file = join(dir, 'samples.jsonl');
    // 120 instructions x 3 samples (real GPT-4 grades; the samples of one instruction share the grade)
    const rows = autoj.slice(0, 120).flatMap((r, i) => [0, 1, 2].map((s) => JSON.stringify({ id: `q${i}`, sample: s, score: (r.response.length + s) / 500, grade: r.gpt4_score })));
    writeFileSync(file, `${rows.join('\n')}\n`);
    const out = join(dir, 'thr-group.json');
    expect(await main(['calibrate', '--input', file, '--group-field', 'id', '--target-risk', '0.5', '--out', out, '--quiet'])).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ unit: 'group', groupBy: 'id', n: 120, itemsGiven: 360 });
    const lines: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (lines.push(String(s)), true)) as typeof process.stdout.write;
    try {
      expect(await main(['calibrate', '--input', file, '--target-risk', '0.5', '--out', join(dir, 'thr-items.json')])).toBe(0);
    } finally {
      process.stdout.write = orig;
    }
    expect(lines.join('')).toMatch(/360 \(each an independent draw\)/);
    expect(lines.join('')).toMatch(/120 ids occur more than once: if they are samples of one instruction, pass --group-field id/);
  });
});

