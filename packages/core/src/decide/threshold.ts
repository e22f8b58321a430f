import { binomialCdf, clopperPearsonUpper } from '../stats/binomial.js';
import { SelfjError } from '../errors.js';

/**
 * Choosing the answer threshold tau with a finite-sample risk guarantee (Learn-Then-Test, Angelopoulos et al.
 * 2021, with the Bonferroni correction). For every candidate threshold t on a grid fixed before looking at the
 * data, H0(t): "the share of bad answers among items scoring >= t exceeds targetRisk" is tested with the exact
 * binomial p-value P(Bin(n_t, targetRisk) <= bad_t). The thresholds whose null is rejected at level delta / m are
 * all safe together with probability >= 1 - delta; among them we take the one that answers the most items.
 * Guarantee: for a fresh item drawn like the calibration items, P(bad | answered) <= targetRisk, with
 * probability >= 1 - delta over the draw of the calibration set.
 */
export interface CalibrateOptions {
  scores: ArrayLike<number>;
  bad: ArrayLike<boolean>;
  /** Highest acceptable share of bad answers among the answered items (alpha), in (0, 1). */
  targetRisk: number;
  /** Allowed probability that the guarantee fails (1 - confidence), in (0, 1). */
  delta: number;
  /** The candidate thresholds; must not depend on the calibration data. Default: 0, 0.1, ..., 9 (the score range). */
  grid?: number[];
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
  /** Clopper-Pearson upper bound on the risk at tau, at the corrected level delta / m. */
  riskUpperBound: number;
  targetRisk: number;
  delta: number;
  n: number;
  gridSize: number;
  method: 'learn-then-test-bonferroni';
  candidates: ThresholdCandidate[];
}

export function defaultScoreGrid(min = 0, max = 9, step = 0.1): number[] {
  const m = Math.round((max - min) / step);
  return Array.from({ length: m + 1 }, (_, i) => Number((min + i * step).toFixed(10)));
}

export function calibrateThreshold(options: CalibrateOptions): CalibrationResult {
  const { scores, bad, targetRisk, delta } = options;
  if (scores.length !== bad.length) {
    throw new SelfjError('BAD_INPUT', `calibrateThreshold: ${scores.length} scores but ${bad.length} labels.`);
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
  const grid = [...new Set(options.grid ?? defaultScoreGrid())].sort((a, b) => a - b);
  if (grid.length === 0) throw new SelfjError('BAD_INPUT', 'calibrateThreshold: the threshold grid is empty.');
  const m = grid.length;
  const level = delta / m;

  // counts of answered and bad items for every grid threshold, by one pass over the sorted scores
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const candidates: ThresholdCandidate[] = [];
  let pos = 0;
  let answered = 0;
  let nBad = 0;
  for (let g = m - 1; g >= 0; g--) {
    const t = grid[g];
    while (pos < order.length && scores[order[pos]] >= t) {
      answered++;
      if (bad[order[pos]]) nBad++;
      pos++;
    }
    const pValue = answered === 0 ? 1 : binomialCdf(nBad, answered, targetRisk);
    candidates.push({
      threshold: t,
      answered,
      bad: nBad,
      risk: answered ? nBad / answered : 0,
      pValue,
      rejected: answered > 0 && pValue <= level,
    });
  }
  candidates.reverse(); // ascending thresholds

  // the lowest certified threshold answers the most items
  const chosen = candidates.find((c) => c.rejected);
  const n = scores.length;
  if (!chosen) {
    return {
      tau: null,
      feasible: false,
      coverage: 0,
      selectedRisk: 0,
      riskUpperBound: 1,
      targetRisk,
      delta,
      n,
      gridSize: m,
      method: 'learn-then-test-bonferroni',
      candidates,
    };
  }
  return {
    tau: chosen.threshold,
    feasible: true,
    coverage: n ? chosen.answered / n : 0,
    selectedRisk: chosen.risk,
    riskUpperBound: clopperPearsonUpper(chosen.bad, chosen.answered, level),
    targetRisk,
    delta,
    n,
    gridSize: m,
    method: 'learn-then-test-bonferroni',
    candidates,
  };
}
