import { describe, expect, it } from 'vitest';
import { binomialCdf, clopperPearsonUpper, logGamma } from '../src/stats/index.js';
import { calibrateThreshold, defaultScoreGrid, oneItemPerGroup } from '../src/decide/index.js';

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

describe('calibrateThreshold (Learn-Then-Test)', () => {
  it('picks the lowest certified threshold and reports the coverage it leaves', () => {
    // 200 items: scores >= 5 are all good, scores < 5 are all bad
    const scores = Array.from({ length: 200 }, (_, i) => (i % 100) * 0.09);
    const bad = scores.map((s) => s < 5);
    const r = calibrateThreshold({ scores, bad, targetRisk: 0.1, delta: 0.1, procedure: 'bonferroni' });
    expect(r).toMatchObject({ procedure: 'bonferroni', method: 'learn-then-test-bonferroni', unit: 'item', itemsGiven: 200 });
    expect(r.level).toBeCloseTo(0.1 / 91, 15);
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
  it('rejects bad arguments with typed errors', () => {
    expect(() => calibrateThreshold({ scores: [1], bad: [true, false], targetRisk: 0.1, delta: 0.1 })).toThrow(/labels/);
    expect(() => calibrateThreshold({ scores: [1], bad: [true], targetRisk: 0, delta: 0.1 })).toThrow(/targetRisk/);
    expect(() => calibrateThreshold({ scores: [NaN], bad: [true], targetRisk: 0.1, delta: 0.1 })).toThrow(/scores\[0\]/);
  });
});

describe('fixed-sequence testing (item 5)', () => {
  it('is the default: tests from the highest threshold down at level delta, passing over thresholds too few items reach, and stops at the first non-rejection', () => {
    // 10 good items at 8.5; 100 good items at 6.0..7.98; 30 items at 3.0..3.58, every third bad; 100 bad items below 2
    const scores = [...Array(10).fill(8.5), ...Array.from({ length: 100 }, (_, i) => 6 + i * 0.02), ...Array.from({ length: 30 }, (_, i) => 3 + i * 0.02), ...Array.from({ length: 100 }, (_, i) => i * 0.02)];
    const bad = [...Array(110).fill(false), ...Array.from({ length: 30 }, (_, i) => i % 3 === 0), ...Array(100).fill(true)];
    const r = calibrateThreshold({ scores, bad, targetRisk: 0.1, delta: 0.1 });
    expect(r).toMatchObject({ procedure: 'fixed-sequence', method: 'learn-then-test-fixed-sequence', level: 0.1 });
    const at = (t: number) => r.candidates.find((c) => Math.abs(c.threshold - t) < 1e-9)!;
    // (1 - 0.1)^n <= 0.1 needs n >= 22: thresholds with fewer items could never be certified and are passed over
    expect(at(9)).toMatchObject({ answered: 0, rejected: false });
    expect(at(8.5)).toMatchObject({ answered: 10, bad: 0, rejected: false });
    expect(at(7.8)).toMatchObject({ answered: 20, bad: 0, rejected: false });
    // the first threshold that can be certified is tested, and the walk goes on down through the good block
    expect(at(7.7)).toMatchObject({ answered: 25, bad: 0, rejected: true });
    expect(r.tau).not.toBeNull();
    const tested = r.candidates.filter((c) => c.threshold <= 7.7 && c.threshold >= r.tau!);
    expect(tested.every((c) => c.rejected)).toBe(true);
    // it ends in the mixed block, at the first threshold whose p-value exceeds delta
    expect(r.tau!).toBeGreaterThan(3);
    expect(r.tau!).toBeLessThanOrEqual(3.6);
    const below = r.candidates.filter((c) => c.threshold < r.tau!).at(-1)!;
    expect(below.rejected).toBe(false);
    expect(below.pValue).toBeGreaterThan(0.1);
    expect(r.candidates.filter((c) => c.threshold < r.tau!).every((c) => !c.rejected)).toBe(true);
    const chosen = at(r.tau!);
    expect(r.riskUpperBound).toBeCloseTo(clopperPearsonUpper(chosen.bad, chosen.answered, 0.1), 12);
    expect(r.selectedRisk).toBeLessThanOrEqual(0.1);
    // Bonferroni tests each threshold at 0.1 / 91 and certifies less of this data
    const b = calibrateThreshold({ scores, bad, targetRisk: 0.1, delta: 0.1, procedure: 'bonferroni' });
    expect(b.coverage).toBeLessThan(r.coverage);
  });

  /**
   * The guarantee, measured: over many calibration draws from a known distribution, how often the true risk at the
   * chosen tau exceeds the target. A procedure passes when that rate is at most delta plus two Monte Carlo standard
   * errors. The second distribution has a useless judge (every threshold's risk is just above the target): there
   * only a multiple-testing correction keeps the rate down, and the test checks that skipping it fails.
   */
  const delta = 0.1;
  function simulate(o: { n: number; trials: number; alpha: number; pBad: (s: number) => number; trueRisk: (t: number) => number; seed: number }) {
    let seed = o.seed;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const procs = ['fixed-sequence', 'bonferroni', 'uncorrected'] as const;
    const violations = { 'fixed-sequence': 0, bonferroni: 0, uncorrected: 0 };
    const coverage = { 'fixed-sequence': 0, bonferroni: 0, uncorrected: 0 };
    for (let t = 0; t < o.trials; t++) {
      const scores = Array.from({ length: o.n }, () => rnd() * 9);
      const bad = scores.map((s) => rnd() < o.pBad(s));
      for (const p of procs) {
        let tau: number | null;
        let cov: number;
        if (p === 'uncorrected') {
          // every threshold tested at level delta, the lowest rejected one taken: no multiple-testing correction
          const r = calibrateThreshold({ scores, bad, targetRisk: o.alpha, delta, procedure: 'bonferroni' });
          const c = r.candidates.find((x) => x.answered > 0 && x.pValue <= delta);
          [tau, cov] = c ? [c.threshold, c.answered / o.n] : [null, 0];
        } else {
          const r = calibrateThreshold({ scores, bad, targetRisk: o.alpha, delta, procedure: p });
          [tau, cov] = [r.tau, r.coverage];
        }
        coverage[p] += cov / o.trials;
        if (tau !== null && o.trueRisk(tau) > o.alpha) violations[p]++;
      }
    }
    const rate = Object.fromEntries(procs.map((p) => [p, violations[p] / o.trials])) as Record<(typeof procs)[number], number>;
    return { rate, coverage, bound: delta + 2 * Math.sqrt((delta * (1 - delta)) / o.trials) };
  }

  it('informative judge (P(bad | s) = 1 - s/9): both procedures hold delta; fixed-sequence answers more than Bonferroni', () => {
    // E[1 - s/9 | s >= t] for s ~ U(0, 9) is (9 - t) / 18
    const r = simulate({ n: 2000, trials: 200, alpha: 0.15, pBad: (s) => 1 - s / 9, trueRisk: (t) => (9 - t) / 18, seed: 12345 });
    expect(r.rate['fixed-sequence']).toBeLessThanOrEqual(r.bound);
    expect(r.rate.bonferroni).toBeLessThanOrEqual(r.bound);
    expect(r.coverage['fixed-sequence']).toBeGreaterThan(r.coverage.bonferroni + 0.02);
  }, 120_000);

  it('useless judge (risk 0.105 everywhere, target 0.1): both procedures hold delta, skipping the correction does not', () => {
    const r = simulate({ n: 500, trials: 400, alpha: 0.1, pBad: () => 0.105, trueRisk: () => 0.105, seed: 777 });
    expect(r.rate['fixed-sequence']).toBeLessThanOrEqual(r.bound);
    expect(r.rate.bonferroni).toBeLessThanOrEqual(r.bound);
    expect(r.rate.uncorrected).toBeGreaterThan(r.bound);
  }, 120_000);

  it('risk highest at the top scores (a judge that rewards some bad answers most): both hold delta; fixed-sequence stops at the top, Bonferroni still answers', () => {
    // bad for every score above 8.9, 5% below: E[bad | s >= t] = ((8.9 - t) * 0.05 + 0.1) / (9 - t) for t <= 8.9
    const trueRisk = (t: number) => (t > 8.9 ? 1 : ((8.9 - t) * 0.05 + 0.1) / (9 - t));
    const r = simulate({ n: 500, trials: 300, alpha: 0.1, pBad: (s) => (s > 8.9 ? 1 : 0.05), trueRisk, seed: 4242 });
    expect(r.rate['fixed-sequence']).toBeLessThanOrEqual(r.bound);
    expect(r.rate.bonferroni).toBeLessThanOrEqual(r.bound);
    expect(r.coverage['fixed-sequence']).toBeLessThan(0.05);
    expect(r.coverage.bonferroni).toBeGreaterThan(0.3);
  }, 120_000);
});

describe('instruction-level calibration (item 4)', () => {
  it('keeps one item per group, chosen by a seeded hash of the group and position (never by score or label)', () => {
    const groups = ['a', 'a', 'b', 'c', 'c', 'c'];
    const keep = oneItemPerGroup(groups, 0);
    expect(keep.map((i) => groups[i])).toEqual(['a', 'b', 'c']);
    expect(oneItemPerGroup(groups, 0)).toEqual(keep);
    const seeds = new Set(Array.from({ length: 20 }, (_, s) => oneItemPerGroup(groups, s).join(',')));
    expect(seeds.size).toBeGreaterThan(1);
  });

  it('samples of one instruction count once: n is the number of instructions and the output says so', () => {
    // 40 instructions x 5 samples, all good: 200 items would certify tau, 40 independent ones cannot
    const scores = Array.from({ length: 200 }, () => 7);
    const bad = scores.map(() => false);
    const groups = scores.map((_, i) => `q${Math.floor(i / 5)}`);
    const items = calibrateThreshold({ scores, bad, targetRisk: 0.05, delta: 0.1 });
    expect(items).toMatchObject({ unit: 'item', n: 200 });
    expect(items.tau).not.toBeNull();
    const byId = calibrateThreshold({ scores, bad, groups, groupBy: 'id', targetRisk: 0.05, delta: 0.1 });
    expect(byId).toMatchObject({ unit: 'group', groupBy: 'id', n: 40, itemsGiven: 200 });
    // (1 - 0.05)^40 = 0.13 > 0.1: no threshold can be certified from 40 independent items
    expect(byId.tau).toBeNull();
  });

  it('with correlated samples the item-level test breaks its guarantee and the instruction-level one keeps it', () => {
    // 60 instructions x 16 samples; samples of an instruction are mostly bad together (an instruction the policy
    // cannot do) or mostly good: bad with probability 0.95 for 11% of instructions, 0.01 for the rest
    let seed = 99;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const alpha = 0.1;
    const delta = 0.1;
    const trueRisk = 0.11 * 0.95 + 0.89 * 0.01; // 0.1134: every threshold is a true null
    let itemViolations = 0;
    let groupViolations = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const scores: number[] = [];
      const bad: boolean[] = [];
      const groups: string[] = [];
      for (let q = 0; q < 60; q++) {
        const pBad = rnd() < 0.11 ? 0.95 : 0.01;
        for (let s = 0; s < 16; s++) {
          scores.push(rnd() * 9);
          bad.push(rnd() < pBad);
          groups.push(`q${q}`);
        }
      }
      const grid = [0];
      if (calibrateThreshold({ scores, bad, targetRisk: alpha, delta, grid }).tau !== null) itemViolations++;
      if (calibrateThreshold({ scores, bad, groups, targetRisk: alpha, delta, grid }).tau !== null) groupViolations++;
    }
    expect(trueRisk).toBeGreaterThan(alpha);
    const bound = delta + 2 * Math.sqrt((delta * (1 - delta)) / trials);
    expect(groupViolations / trials).toBeLessThanOrEqual(bound);
    expect(itemViolations / trials).toBeGreaterThan(bound);
  }, 60_000);
});
