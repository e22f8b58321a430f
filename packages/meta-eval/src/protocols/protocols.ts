/**
 * Each set's numbers, computed the way its paper does, from a judge's scores. Correlations, tie-aware pairwise
 * agreement and ranking agreement are core's metrics; the tie-inclusive agreements are in verdicts.ts.
 */
import { kendallTauB, pearson, spearman } from '@selfj/core/stats';
import { modelRankingAgreement, pairwiseAgreement, type Preference } from '@selfj/core/metrics';
import type { ProtocolName } from '../sets/types.js';
import { classReport, exactAgreement, verdicts } from './verdicts.js';

export type Metrics = Record<string, number | null>;

/** How each protocol treats ties, printed with the results. */
export const TIE_RULES: Record<ProtocolName, string> = {
  correlation: 'ties share their average rank (Spearman); Kendall tau-b corrects for ties',
  'autoj-agreement': 'a tie label is a class; equal scores are a tie verdict (tolerance 0); bestThreshold: tie when |a-b| <= t, t searched in [0, 2] step 0.01 (Auto-J leaderboard, tuned on the test set)',
  'pandalm-accuracy': 'majority of 3 annotators (equal counts: first vote); a tie is a class; equal scores are a tie verdict',
  'llmbar-accuracy': 'no tie labels; equal scores count one half (both presentation orders averaged)',
  'mtbench-agreement': 'S1: tie votes kept, equal scores are a tie verdict; S2: only pairs where neither the human nor the judge says tie',
  'pairwise-accuracy': 'no tie labels; equal scores count one half',
  'alpacaeval-ranking': 'models ranked by mean judge score; ties share their average rank (Spearman), tau-b for Kendall',
  'alpacaeval-bon': 'pick = the best-scored sample; equal top scores: the mean grade of the tied samples (a uniform tie-break in expectation)',
};

/** The metric each protocol leads with. */
export const PRIMARY: Record<ProtocolName, string> = {
  correlation: 'pearson',
  'autoj-agreement': 'agreement',
  'pandalm-accuracy': 'accuracy',
  'llmbar-accuracy': 'accuracy',
  'mtbench-agreement': 'agreementS2',
  'pairwise-accuracy': 'accuracy',
  'alpacaeval-ranking': 'spearman',
  'alpacaeval-bon': 'winRate',
};

const finite = (x: number) => (Number.isFinite(x) ? x : null);

export function correlationMetrics(scores: ArrayLike<number>, grades: ArrayLike<number>): Metrics {
  return { pearson: finite(pearson(scores, grades)), spearman: finite(spearman(scores, grades)), kendallTauB: finite(kendallTauB(scores, grades)) };
}

export function pairwiseMetrics(protocol: ProtocolName, a: Float64Array, b: Float64Array, labels: Preference[]): Metrics {
  const judgeTies = verdicts(a, b).filter((v) => v === 'tie').length;
  switch (protocol) {
    case 'autoj-agreement': {
      let best = -1;
      let bestT = 0;
      for (let k = 0; k <= 200; k++) {
        const t = k / 100;
        const ag = exactAgreement(verdicts(a, b, t), labels);
        if (ag > best) [best, bestT] = [ag, t];
      }
      return { agreement: exactAgreement(verdicts(a, b), labels), bestThresholdAgreement: best, bestThreshold: bestT, judgeTies };
    }
    case 'pandalm-accuracy':
      return { ...classReport(verdicts(a, b), labels), judgeTies };
    case 'mtbench-agreement':
      return { agreementS1: exactAgreement(verdicts(a, b), labels), agreementS2: finite(pairwiseAgreement(a, b, labels).agreementExcludingTies), judgeTies };
    case 'llmbar-accuracy':
    case 'pairwise-accuracy':
      return { accuracy: finite(pairwiseAgreement(a, b, labels).agreementTiesHalf), judgeTies };
    default:
      throw new Error(`internal: ${protocol} is not a pairwise protocol`);
  }
}

/** Mean judge score per model, ranked against the leaderboard's win rates (models present in both). */
export function rankingMetrics(models: string[], scores: Float64Array, leaderboard: Map<string, number>): Metrics & { models: number } {
  const sum = new Map<string, { s: number; n: number }>();
  models.forEach((m, i) => {
    if (!Number.isFinite(scores[i])) return;
    const e = sum.get(m) ?? { s: 0, n: 0 };
    e.s += scores[i];
    e.n++;
    sum.set(m, e);
  });
  const means = Object.fromEntries([...sum].map(([m, e]) => [m, e.s / e.n]));
  const board = Object.fromEntries(leaderboard);
  const r = modelRankingAgreement(means, board);
  return { spearman: finite(r.spearman), kendallTauB: finite(r.kendallTauB), models: r.models.length };
}

/** Win rate of the judge's pick per group, beside a uniform random pick and the oracle (best sample). */
export function bonMetrics(groups: { scores: number[]; grades: number[] }[]): Metrics {
  let pick = 0;
  let random = 0;
  let oracle = 0;
  for (const g of groups) {
    const top = Math.max(...g.scores);
    const tied = g.grades.filter((_, k) => g.scores[k] === top);
    pick += tied.reduce((x, y) => x + y, 0) / tied.length;
    random += g.grades.reduce((x, y) => x + y, 0) / g.grades.length;
    oracle += Math.max(...g.grades);
  }
  const n = groups.length || NaN;
  return { winRate: finite(pick / n), random: finite(random / n), oracle: finite(oracle / n), groups: groups.length };
}
