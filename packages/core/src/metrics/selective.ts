import { averageRanks } from '../stats/ranks.js';
import { checkFinite, checkPairedNumbers } from '../stats/validate.js';
import { SelfjError } from '../errors.js';

/**
 * Selective prediction metrics. The judge answers the items with the highest scores; `loss[i]` is the cost of
 * answering item i (e.g. 1 - grader/max, or 1 when the grader calls it bad). Items with equal scores cannot be
 * separated by any threshold, so they enter the answered set together: the curve has one point per distinct score.
 */
export interface RiskCoveragePoint {
  /** Answer items with score >= threshold. */
  threshold: number;
  answered: number;
  coverage: number;
  /** Mean loss over the answered items. */
  risk: number;
}

export function riskCoverageCurve(scores: ArrayLike<number>, loss: ArrayLike<number>): RiskCoveragePoint[] {
  checkPairedNumbers('riskCoverageCurve', scores, loss);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const points: RiskCoveragePoint[] = [];
  let sum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    sum += loss[order[i]];
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) {
      j++;
      sum += loss[order[j]];
    }
    const answered = j + 1;
    points.push({ threshold: scores[order[i]], answered, coverage: answered / n, risk: sum / answered });
    i = j + 1;
  }
  return points;
}

/**
 * Area under the risk-coverage curve: the mean, over answered-set sizes k = 1..n, of the risk when the k best
 * items are answered (Geifman et al.). Within a tie group every size takes the risk of the whole group.
 * Lower is better; a perfect ranking reaches the minimum possible for the given losses.
 */
export function aurc(scores: ArrayLike<number>, loss: ArrayLike<number>): number {
  const points = riskCoverageCurve(scores, loss);
  let area = 0;
  let prev = 0;
  for (const p of points) {
    area += (p.answered - prev) * p.risk;
    prev = p.answered;
  }
  return area / scores.length;
}

/** Risk when answering at least `coverage` of the items (the smallest tie-respecting set that reaches it). */
export function selectiveRiskAtCoverage(
  scores: ArrayLike<number>,
  loss: ArrayLike<number>,
  coverage: number,
): RiskCoveragePoint {
  if (!(coverage > 0 && coverage <= 1)) {
    throw new SelfjError('BAD_INPUT', `selectiveRiskAtCoverage: coverage must be in (0, 1], got ${coverage}.`);
  }
  const points = riskCoverageCurve(scores, loss);
  const eps = 1e-12;
  return points.find((p) => p.coverage >= coverage - eps) ?? points[points.length - 1];
}

/**
 * AUROC of the judge score for telling good answers from bad ones: the probability that a random good item
 * scores higher than a random bad one, ties counting one half (Mann-Whitney U). NaN when a class is empty.
 */
export function auroc(scores: ArrayLike<number>, bad: ArrayLike<boolean>): number {
  checkFinite('auroc', 'scores', scores);
  if (scores.length !== bad.length) {
    throw new SelfjError('BAD_INPUT', `auroc: ${scores.length} scores but ${bad.length} labels.`);
  }
  const ranks = averageRanks(scores);
  let nGood = 0;
  let rankSumGood = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!bad[i]) {
      nGood++;
      rankSumGood += ranks[i];
    }
  }
  const nBad = scores.length - nGood;
  if (nGood === 0 || nBad === 0) return NaN;
  return (rankSumGood - (nGood * (nGood + 1)) / 2) / (nGood * nBad);
}
