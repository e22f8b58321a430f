import { describe, expect, it } from 'vitest';
import { binomialCdf, calibrateThreshold, clopperPearsonUpper, defaultScoreGrid, logGamma } from '../src/index.js';

describe('binomial tail and Clopper-Pearson bound (hand-computed)', () => {
  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });
  it('P(Bin(10, 0.5) <= 2) = (1 + 10 + 45) / 1024', () => {
    expect(binomialCdf(2, 10, 0.5)).toBeCloseTo(56 / 1024, 14);
    expect(binomialCdf(0, 5, 0.2)).toBeCloseTo(0.8 ** 5, 14);
    expect(binomialCdf(5, 5, 0.3)).toBe(1);
    expect(binomialCdf(-1, 5, 0.3)).toBe(0);
  });
  it('stays accurate for large n', () => {
    // P(Bin(100000, 0.1) <= 10000) is just over one half (the median)
    const p = binomialCdf(10000, 100000, 0.1);
    expect(p).toBeGreaterThan(0.5);
    expect(p).toBeLessThan(0.52);
  });
  it('with no failures the upper bound is 1 - delta^(1/n)', () => {
    expect(clopperPearsonUpper(0, 10, 0.1)).toBeCloseTo(1 - 0.1 ** 0.1, 9);
    expect(clopperPearsonUpper(3, 3, 0.1)).toBe(1);
    expect(clopperPearsonUpper(0, 0, 0.1)).toBe(1);
  });
});

describe('calibrateThreshold (Learn-Then-Test, Bonferroni)', () => {
  it('picks the lowest certified threshold and reports the coverage it leaves', () => {
    // 200 items: scores >= 5 are all good, scores < 5 are all bad
    const scores = Array.from({ length: 200 }, (_, i) => (i % 100) * 0.09);
    const bad = scores.map((s) => s < 5);
    const r = calibrateThreshold({ scores, bad, targetRisk: 0.1, delta: 0.1 });
    expect(r.feasible).toBe(true);
    expect(r.tau).not.toBeNull();
    // a few bad items may be let in while the bound stays below 10%, but never many
    expect(r.tau!).toBeLessThanOrEqual(5);
    expect(r.selectedRisk).toBeLessThanOrEqual(0.1);
    expect(r.riskUpperBound).toBeLessThanOrEqual(0.1);
    const answered = scores.filter((s) => s >= r.tau!).length;
    expect(r.coverage).toBeCloseTo(answered / 200, 12);
    expect(r.gridSize).toBe(defaultScoreGrid().length);
  });
  it('declines everything when no threshold can be certified', () => {
    const scores = Array.from({ length: 30 }, (_, i) => i * 0.3);
    const r = calibrateThreshold({ scores, bad: scores.map(() => true), targetRisk: 0.1, delta: 0.1 });
    expect(r).toMatchObject({ tau: null, feasible: false, coverage: 0 });
  });
  it('holds its guarantee: over many calibration draws, the true risk at tau exceeds the target in at most delta of them', () => {
    // score ~ U(0, 9); P(bad | s) = 1 - s / 9, so the true risk of answering s >= t is (1 - t/9) / 2... exactly:
    // E[1 - s/9 | s >= t] = 1 - (t + 9) / 18 = (9 - t) / 18
    const trueRisk = (t: number) => (9 - t) / 18;
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const alpha = 0.15;
    const delta = 0.1;
    let violations = 0;
    let feasible = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const scores = Array.from({ length: 3000 }, () => rnd() * 9);
      const bad = scores.map((s) => rnd() < 1 - s / 9);
      const r = calibrateThreshold({ scores, bad, targetRisk: alpha, delta });
      if (r.tau === null) continue;
      feasible++;
      if (trueRisk(r.tau) > alpha) violations++;
    }
    expect(feasible).toBeGreaterThan(trials * 0.9);
    expect(violations / trials).toBeLessThanOrEqual(delta);
  });
  it('rejects bad arguments with typed errors', () => {
    expect(() => calibrateThreshold({ scores: [1], bad: [true, false], targetRisk: 0.1, delta: 0.1 })).toThrow(/labels/);
    expect(() => calibrateThreshold({ scores: [1], bad: [true], targetRisk: 0, delta: 0.1 })).toThrow(/targetRisk/);
    expect(() => calibrateThreshold({ scores: [NaN], bad: [true], targetRisk: 0.1, delta: 0.1 })).toThrow(/scores\[0\]/);
  });
});
