import { describe, expect, it } from 'vitest';
import { aurc, auroc, evaluateScores, modelRankingAgreement, pairwiseAgreement, riskCoverageCurve, selectiveRiskAtCoverage, winRate } from '../src/metrics/index.js';
import { averageRanks, kendallTauB, pearson, spearman } from '../src/stats/index.js';
import { SelfjError } from '../src/errors.js';

// Hand-computed: x = 1..5, y = 2,4,5,4,5. Means 3 and 4; Sxy = 6, Sxx = 10, Syy = 6.
const x = [1, 2, 3, 4, 5];
const y = [2, 4, 5, 4, 5];

describe('correlations (hand-computed)', () => {
  it('pearson = 6 / sqrt(60)', () => {
    expect(pearson(x, y)).toBeCloseTo(6 / Math.sqrt(60), 12);
  });
  it('spearman on average ranks: ranks(y) = 1, 2.5, 4.5, 2.5, 4.5 -> 7 / sqrt(90)', () => {
    expect(Array.from(averageRanks(y))).toEqual([1, 2.5, 4.5, 2.5, 4.5]);
    expect(spearman(x, y)).toBeCloseTo(7 / Math.sqrt(90), 12);
  });
  it('kendall tau-b: 7 concordant, 1 discordant, 2 ties in y -> 6 / sqrt(10 * 8)', () => {
    expect(kendallTauB(x, y)).toBeCloseTo(6 / Math.sqrt(80), 12);
  });
  it('kendall tau-b agrees with the O(n^2) definition on random data with many ties', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const a = Array.from({ length: 300 }, () => Math.floor(rnd() * 6));
    const b = Array.from({ length: 300 }, (_, i) => Math.floor(rnd() * 4 + a[i] / 2));
    let c = 0;
    let d = 0;
    let tx = 0;
    let ty = 0;
    for (let i = 0; i < a.length; i++)
      for (let j = i + 1; j < a.length; j++) {
        const s = Math.sign(a[i] - a[j]) * Math.sign(b[i] - b[j]);
        if (s > 0) c++;
        else if (s < 0) d++;
        if (a[i] === a[j]) tx++;
        if (b[i] === b[j]) ty++;
      }
    const n0 = (a.length * (a.length - 1)) / 2;
    expect(kendallTauB(a, b)).toBeCloseTo((c - d) / Math.sqrt((n0 - tx) * (n0 - ty)), 12);
  });
  it('perfect and reversed orders give +1 and -1; a constant input gives NaN, not 0', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBe(1);
    expect(kendallTauB([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 2, 3], [9, 5, 1])).toBeCloseTo(-1, 12);
    expect(Number.isNaN(pearson([1, 1, 1], [1, 2, 3]))).toBe(true);
  });
  it('bad input is a typed error naming the problem', () => {
    expect(() => pearson([1, 2], [1])).toThrow(/differ in length/);
    expect(() => pearson([1, NaN], [1, 2])).toThrow(SelfjError);
    expect(() => spearman([1], [1])).toThrow(/at least 2/);
  });
});

describe('selective metrics (hand-computed)', () => {
  // scores 0.9, 0.8, 0.8, 0.3 with losses 0, 1, 0, 1: the tied 0.8s enter together
  const s = [0.9, 0.8, 0.8, 0.3];
  const loss = [0, 1, 0, 1];
  it('risk-coverage has one point per distinct score', () => {
    expect(riskCoverageCurve(s, loss)).toEqual([
      { threshold: 0.9, answered: 1, coverage: 0.25, risk: 0 },
      { threshold: 0.8, answered: 3, coverage: 0.75, risk: 1 / 3 },
      { threshold: 0.3, answered: 4, coverage: 1, risk: 0.5 },
    ]);
  });
  it('AURC = (1*0 + 2*(1/3) + 1*0.5) / 4', () => {
    expect(aurc(s, loss)).toBeCloseTo((2 / 3 + 0.5) / 4, 12);
  });
  it('selective risk at a coverage takes the smallest tie-respecting set reaching it', () => {
    expect(selectiveRiskAtCoverage(s, loss, 0.5)).toMatchObject({ answered: 3, risk: 1 / 3 });
    expect(selectiveRiskAtCoverage(s, loss, 0.25)).toMatchObject({ answered: 1, risk: 0 });
    expect(() => selectiveRiskAtCoverage(s, loss, 0)).toThrow(/coverage/);
  });
  it('AUROC: good {0.9, 0.8} vs bad {0.8, 0.3} -> 3.5 / 4', () => {
    expect(auroc(s, [false, true, false, true])).toBeCloseTo(0.875, 12);
    expect(Number.isNaN(auroc([1, 2], [false, false]))).toBe(true);
  });
});

describe('pairwise agreement, win rate and model ranking', () => {
  it('counts ties explicitly', () => {
    const r = pairwiseAgreement([5, 3, 4, 2, 7], [4, 3, 6, 1, 1], ['a', 'a', 'a', 'b', 'tie']);
    // pair 0 agrees, pair 1 judge tie, pair 2 disagrees, pair 3 disagrees, pair 4 label tie
    expect(r).toEqual({
      pairs: 5,
      judgeTies: 1,
      labelTies: 1,
      agreementExcludingTies: 1 / 3,
      agreementTiesHalf: 1.5 / 4,
    });
    expect(() => pairwiseAgreement([1], [2], ['x' as 'a'])).toThrow(/label\[0\]/);
  });
  it('win rate counts ties as half', () => {
    expect(winRate([5, 3, 2, 8], [4, 3, 6, 1])).toBeCloseTo(2.5 / 4, 12);
  });
  it('model ranking agreement over the models both sides know', () => {
    const r = modelRankingAgreement({ m1: 3, m2: 5, m3: 4, extra: 1 }, { m1: 1, m2: 9, m3: 7 });
    expect(r.models).toEqual(['m1', 'm2', 'm3']);
    expect(r.spearman).toBeCloseTo(1, 12);
    expect(r.kendallTauB).toBeCloseTo(1, 12);
  });
});

describe('evaluateScores', () => {
  it('reports all metrics with the graded and binary losses, and per category', () => {
    const scores = [8, 7, 2, 1, 6, 3];
    const grades = [9, 8, 3, 2, 7, 6];
    const r = evaluateScores(scores, grades, {
      maxGrade: 10,
      badBelow: 5,
      coverages: [0.5],
      categories: ['a', 'a', 'a', 'b', 'b', 'b'],
    });
    expect(r.n).toBe(6);
    expect(r.spearman).toBeCloseTo(1, 12);
    expect(r.auroc).toBe(1);
    expect(r.badRate).toBeCloseTo(2 / 6, 12);
    // at 50% coverage the judge answers 8, 7, 6 (grades 9, 8, 7): loss 0.1, 0.2, 0.3 -> 0.2, no bad ones
    expect(r.selectiveRisk[0]).toMatchObject({ coverage: 0.5, achievedCoverage: 0.5, riskBinary: 0 });
    expect(r.selectiveRisk[0].risk).toBeCloseTo(0.2, 12);
    expect(r.aurcOracle).toBeLessThanOrEqual(r.aurc + 1e-12);
    expect(r.aurc).toBeLessThan(r.aurcRandom);
    expect(Object.keys(r.byCategory)).toEqual(['a', 'b']);
    expect(r.byCategory.a.n).toBe(3);
  });
});
