import { binomialCdf, clopperPearsonUpper } from '../stats/binomial.js';
import { SelfjError } from '../errors.js';
import { oneItemPerGroup } from './calibration-units.js';

/**
 * Choosing the answer threshold tau with a finite-sample risk guarantee (Learn-Then-Test, Angelopoulos et al.
 * 2021). For every candidate threshold t on a grid fixed before looking at the data, H0(t): "the share of bad
 * answers among items scoring >= t exceeds targetRisk" is tested with the exact binomial p-value
 * P(Bin(n_t, targetRisk) <= bad_t). The family of tests is corrected for multiplicity:
 * - "fixed-sequence" (default): the thresholds are tested from the highest down, each at level delta, stopping at
 *   the first one not rejected. Valid because the order is fixed before the data is seen: a false rejection needs
 *   the first true null in the order to be rejected, which has probability <= delta. A threshold so high that
 *   too few items reach it for any outcome to be rejected ((1 - targetRisk)^n_t > delta: not even zero bad answers
 *   would do) is passed over rather than ending the walk; those form the top of the grid. Which thresholds these
 *   are depends on the scores only, never on the labels, and every item above them stays in the answered set of
 *   each threshold tested below; when the risk does not rise with the score (the premise of a threshold),
 *   seeing fewer top items than expected can only make the tests below more conservative.
 * - "bonferroni": every threshold at level delta / m, and the lowest rejected one is taken.
 * Either way the rejected thresholds are all safe together with probability >= 1 - delta, and the lowest of them
 * answers the most items. Guarantee: for a fresh item drawn like the calibration items, P(bad | answered) <=
 * targetRisk, with probability >= 1 - delta over the draw of the calibration set. The draws must be independent:
 * with several samples per instruction, pass `groups` (the instruction ids) and one item per group is used.
 */
export type CalibrationProcedure = 'fixed-sequence' | 'bonferroni';

export interface CalibrateOptions {
  scores: ArrayLike<number>;
  bad: ArrayLike<boolean>;
  /** Highest acceptable share of bad answers among the answered items (alpha), in (0, 1). */
  targetRisk: number;
  /** Allowed probability that the guarantee fails (1 - confidence), in (0, 1). */
  delta: number;
  /** The candidate thresholds; must not depend on the calibration data. Default: 0, 0.1, ..., 9 (the score range). */
  grid?: number[];
  /** Multiple-testing procedure over the grid (default "fixed-sequence"). */
  procedure?: CalibrationProcedure;
  /**
   * The cluster of each item (e.g. its instruction id): items of one cluster are correlated (samples of one
   * instruction), so one item per cluster, chosen by a seeded hash independent of scores and labels, is tested.
   */
  groups?: ArrayLike<string>;
  /** What a group is, for the output (e.g. "id"). */
  groupBy?: string;
  /** Seed of the choice of one item per group. */
  seed?: number;
}

export interface ThresholdCandidate {
  threshold: number;
  answered: number;
  bad: number;
  risk: number;
  pValue: number;
  rejected: boolean;
}

export interface CalibrationResult {
  /** The chosen tau, or null when no threshold is certified (answer nothing). */
  tau: number | null;
  feasible: boolean;
  /** Share of calibration items answered at tau. */
  coverage: number;
  /** Share of answered calibration items that are bad at tau. */
  selectedRisk: number;
  /** Clopper-Pearson upper bound on the risk at tau, at the level each test ran at (`level`). */
  riskUpperBound: number;
  targetRisk: number;
  delta: number;
  /** Calibration items the tests used (one per group when grouped). */
  n: number;
  gridSize: number;
  procedure: CalibrationProcedure;
  method: 'learn-then-test-fixed-sequence' | 'learn-then-test-bonferroni';
  /** The level each threshold's test ran at: delta (fixed sequence) or delta / gridSize (Bonferroni). */
  level: number;
  /** "item": every item is an independent draw; "group": one item per group (`groupBy`) was used. */
  unit: 'item' | 'group';
  groupBy?: string;
  /** Items given before one per group was kept. */
  itemsGiven: number;
  candidates: ThresholdCandidate[];
}

export function defaultScoreGrid(min = 0, max = 9, step = 0.1): number[] {
  const m = Math.round((max - min) / step);
  return Array.from({ length: m + 1 }, (_, i) => Number((min + i * step).toFixed(10)));
}

function check(options: CalibrateOptions): void {
  const { scores, bad, targetRisk, delta, groups } = options;
  if (scores.length !== bad.length) {
    throw new SelfjError('BAD_INPUT', `calibrateThreshold: ${scores.length} scores but ${bad.length} labels.`);
  }
  if (groups && groups.length !== scores.length) {
    throw new SelfjError('BAD_INPUT', `calibrateThreshold: ${scores.length} scores but ${groups.length} groups.`);
  }
  if (!(targetRisk > 0 && targetRisk < 1)) {
    throw new SelfjError('BAD_INPUT', `calibrateThreshold: targetRisk must be in (0, 1), got ${targetRisk}.`);
  }
  if (!(delta > 0 && delta < 1)) {
    throw new SelfjError('BAD_INPUT', `calibrateThreshold: delta must be in (0, 1), got ${delta}.`);
  }
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw new SelfjError('BAD_INPUT', `calibrateThreshold: scores[${i}] is ${scores[i]}, not a finite number.`);
    }
  }
}

/** Answered and bad counts and the p-value at every grid threshold (ascending), by one pass over sorted scores. */
function testGrid(scores: number[], bad: boolean[], grid: number[], targetRisk: number): Omit<ThresholdCandidate, 'rejected'>[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const out: Omit<ThresholdCandidate, 'rejected'>[] = [];
  let pos = 0;
  let answered = 0;
  let nBad = 0;
  for (let g = grid.length - 1; g >= 0; g--) {
    const t = grid[g];
    while (pos < order.length && scores[order[pos]] >= t) {
      answered++;
      if (bad[order[pos]]) nBad++;
      pos++;
    }
    out.push({ threshold: t, answered, bad: nBad, risk: answered ? nBad / answered : 0, pValue: answered === 0 ? 1 : binomialCdf(nBad, answered, targetRisk) });
  }
  return out.reverse();
}

/** Which thresholds the procedure rejects (certifies), given the ascending tests. */
function rejections(tests: Omit<ThresholdCandidate, 'rejected'>[], procedure: CalibrationProcedure, level: number, targetRisk: number): boolean[] {
  if (procedure === 'bonferroni') return tests.map((c) => c.answered > 0 && c.pValue <= level);
  const out = tests.map(() => false);
  for (let g = tests.length - 1; g >= 0; g--) {
    // too few items for any outcome to be rejected (zero bad answers has p-value (1 - alpha)^n): pass over
    if (binomialCdf(0, tests[g].answered, targetRisk) > level) continue;
    if (tests[g].pValue > level) break;
    out[g] = true;
  }
  return out;
}

export function calibrateThreshold(options: CalibrateOptions): CalibrationResult {
  check(options);
  const { targetRisk, delta } = options;
  const procedure = options.procedure ?? 'fixed-sequence';
  const keep = options.groups ? oneItemPerGroup(options.groups, options.seed ?? 0) : undefined;
  const scores = keep ? keep.map((i) => options.scores[i]) : Array.from(options.scores);
  const bad = keep ? keep.map((i) => options.bad[i]) : Array.from(options.bad);
  const grid = [...new Set(options.grid ?? defaultScoreGrid())].sort((a, b) => a - b);
  if (grid.length === 0) throw new SelfjError('BAD_INPUT', 'calibrateThreshold: the threshold grid is empty.');
  const m = grid.length;
  const level = procedure === 'bonferroni' ? delta / m : delta;
  const tests = testGrid(scores, bad, grid, targetRisk);
  const rejected = rejections(tests, procedure, level, targetRisk);
  const candidates: ThresholdCandidate[] = tests.map((c, i) => ({ ...c, rejected: rejected[i] }));

  // the lowest certified threshold answers the most items
  const chosen = candidates.find((c) => c.rejected);
  const n = scores.length;
  const common = {
    targetRisk,
    delta,
    n,
    gridSize: m,
    procedure,
    method: procedure === 'bonferroni' ? ('learn-then-test-bonferroni' as const) : ('learn-then-test-fixed-sequence' as const),
    level,
    unit: keep ? ('group' as const) : ('item' as const),
    ...(keep && options.groupBy ? { groupBy: options.groupBy } : {}),
    itemsGiven: options.scores.length,
    candidates,
  };
  if (!chosen) return { tau: null, feasible: false, coverage: 0, selectedRisk: 0, riskUpperBound: 1, ...common };
  return {
    tau: chosen.threshold,
    feasible: true,
    coverage: n ? chosen.answered / n : 0,
    selectedRisk: chosen.risk,
    riskUpperBound: clopperPearsonUpper(chosen.bad, chosen.answered, level),
    ...common,
  };
}
