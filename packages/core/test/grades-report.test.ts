/**
 * Issue 13 B items 9 and 10 on real GPT-4-rated data (Auto-J, ratings 1-10): the graded loss uses the scale's
 * minimum, and the pipeline's report says it scores against the label z and also scores against an external grade
 * named in the config, which travels from the data through every stage.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SelfjError, builtinDeps, resolveConfig, runPipeline } from '../src/index.js';
import { evaluateScores } from '../src/metrics/index.js';
import { FakeBackend, FakeEmbedder } from './engine-fake.js';
import { fixturePath, missingFixture } from './fixtures-path.js';

const AUTOJ = 'autoj_single_gpt4_rated.dev.jsonl';
const autojFile = fixturePath(AUTOJ);
type Rated = { idx: number; query: string; response: string; gpt4_score: number; scenario: string };
const autoj = (): Rated[] => readFileSync(autojFile!, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rated);

describe('graded loss on the grader scale (item 9)', () => {
  it.skipIf(!autojFile)(`GPT-4 ratings 1-10: the loss spans [0, 1], (10 - grade) / 9 [${autojFile ? 'real data' : missingFixture(AUTOJ)}]`, () => {
    const rows = autoj();
    const grades = rows.map((r) => r.gpt4_score);
    expect(Math.min(...grades)).toBe(1);
    expect(Math.max(...grades)).toBe(10);
    const scores = rows.map((r) => r.response.length); // a naive real baseline judge
    const r = evaluateScores(scores, grades, { minGrade: 1, maxGrade: 10, badBelow: 6 });
    const meanLoss = grades.reduce((s, g) => s + (10 - g) / 9, 0) / grades.length;
    expect(r.aurcRandom).toBeCloseTo(meanLoss, 12);
    // the worst grade costs 1 (1 - 1/10 = 0.9 before): answering only the single worst item has risk 1
    const worst = evaluateScores([1, 0], [1, 10], { minGrade: 1, maxGrade: 10, badBelow: 6, coverages: [0.5] });
    expect(worst.selectiveRisk[0].risk).toBe(1);
    // without a minimum the scale starts at 0 (the library default), as before
    expect(evaluateScores(scores, grades, { maxGrade: 10, badBelow: 6 }).aurcRandom).toBeCloseTo(grades.reduce((s, g) => s + 1 - g / 10, 0) / grades.length, 12);
  });

  it('a grade outside the scale is a typed error naming it', () => {
    const e = (() => {
      try {
        evaluateScores([1, 2, 3], [5, 0, 7], { minGrade: 1, maxGrade: 10, badBelow: 6 });
      } catch (x) {
        return x;
      }
    })() as SelfjError;
    expect(e).toBeInstanceOf(SelfjError);
    expect(e.message).toMatch(/grade\[1\] = 0 is outside the scale \[1, 10\]/);
  });
});

describe('external grade in the pipeline report (item 10)', () => {
  it.skipIf(!autojFile)(`gpt4_score travels from the data to the judge records; the report scores both judges against it and says the main numbers are against the label z [${autojFile ? 'real data' : missingFixture(AUTOJ)}]`, async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-grade-'));
    const data = join(d, 'data.jsonl');
    // the rated response plays the reference; the fake policy answers anew, so this checks the plumbing, not quality
    const rows = autoj().slice(0, 60);
    writeFileSync(data, `${rows.map((r) => JSON.stringify({ id: `a${r.idx}`, instruction: r.query, reference: r.response, category: r.scenario, gpt4_score: r.gpt4_score })).join('\n')}\n`);
    const config = resolveConfig({
      out: join(d, 'run'),
      seed: 3,
      data: { source: data },
      backend: { id: 'fake:model', batchSize: 4 },
      sample: { samples: 2, maxTokens: 8 },
      train: { epochs: 2, batchSize: 8 },
      calibrate: { targetRisk: 0.5, delta: 0.2, badBelow: 4 },
      grade: { field: 'gpt4_score' },
    });
    const r = await runPipeline({ config, deps: await builtinDeps(new FakeBackend(8), new FakeEmbedder(), config) });
    const byId = new Map(rows.map((x) => [`a${x.idx}`, x.gpt4_score]));
    for (const stage of ['sample', 'self-eval', 'similarity', 'label', 'judge']) {
      const recs = readFileSync(join(d, 'run', stage, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; gpt4_score: number });
      expect(recs.length).toBe(120);
      for (const x of recs) expect(x.gpt4_score).toBe(byId.get(x.id));
    }
    const t = r.assessment!.test;
    expect(t.against).toBe('label z');
    expect(t.external).toBeDefined();
    expect(t.external!.field).toBe('gpt4_score');
    expect(t.external!.scale).toEqual({ min: 1, max: 10, badBelow: 6 });
    expect(t.external!.n).toBe(t.n);
    const judged = readFileSync(join(d, 'run', 'judge', 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { split: string; score: number; gpt4_score: number });
    const test = judged.filter((x) => x.split === 'test');
    const expected = evaluateScores(test.map((x) => x.score), test.map((x) => x.gpt4_score), { minGrade: 1, maxGrade: 10, badBelow: 6 });
    expect(t.external!.trained!.pearson).toBeCloseTo(expected.pearson, 12);
    const saved = JSON.parse(readFileSync(join(d, 'run', 'eval', 'report.json'), 'utf8'));
    expect(saved.against).toBe('label z');
    expect(saved.external.field).toBe('gpt4_score');
    // calibration at the instruction level: one sample per id (item 4)
    const c = r.assessment!.calibration;
    const calIds = new Set(judged.filter((x) => x.split === 'calibrate').map((x) => (x as unknown as { id: string }).id));
    expect(c).toMatchObject({ unit: 'group', groupBy: 'id', n: calIds.size, itemsGiven: 2 * calIds.size, procedure: 'fixed-sequence' });
  }, 120_000);
});
