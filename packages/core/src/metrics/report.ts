import { kendallTauB, pearson, spearman } from '../stats/correlation.js';
import { aurc, auroc, selectiveRiskAtCoverage } from './selective.js';
import { checkPairedNumbers } from '../stats/validate.js';
import { SelfjError } from '../errors.js';

export interface EvaluateOptions {
  /** The grader's best possible score (e.g. 10 for GPT-4 ratings 1-10). */
  maxGrade: number;
  /**
   * The grader's worst possible score (e.g. 1 for GPT-4 ratings 1-10; default 0). The graded loss is
   * (maxGrade - grade) / (maxGrade - minGrade): 0 for the best grade, 1 for the worst.
   */
  minGrade?: number;
  /** A grade strictly below this is a bad answer (for AUROC and the binary risk). */
  badBelow: number;
  /** Coverages at which to report selective risk. */
  coverages?: number[];
  /** Optional category per item, for a per-category breakdown. */
  categories?: ArrayLike<string>;
  /** Categories with fewer items than this are left out of the breakdown. */
  minCategorySize?: number;
}

export interface ScoreMetrics {
  n: number;
  pearson: number;
  spearman: number;
  kendallTauB: number;
  /** AURC with the graded loss (maxGrade - grade) / (maxGrade - minGrade). */
  aurc: number;
  /** AURC with the binary loss [grade < badBelow]. */
  aurcBinary: number;
  /** AURC of a random order (the mean loss) and of the best order, to read aurc against. */
  aurcRandom: number;
  aurcOracle: number;
  auroc: number;
  badRate: number;
  selectiveRisk: { coverage: number; achievedCoverage: number; risk: number; riskBinary: number }[];
}

export interface EvaluationReport extends ScoreMetrics {
  byCategory: Record<string, ScoreMetrics>;
}

const DEFAULT_COVERAGES = [0.2, 0.4, 0.6, 0.8, 1];

/** All judge-vs-grader metrics the project reports, in one call. */
export function evaluateScores(
  scores: ArrayLike<number>,
  grades: ArrayLike<number>,
  options: EvaluateOptions,
): EvaluationReport {
  checkPairedNumbers('evaluateScores', scores, grades, 2);
  checkScale(grades, options);
  const overall = metricsFor(scores, grades, options);
  const byCategory: Record<string, ScoreMetrics> = {};
  if (options.categories) {
    const groups = new Map<string, number[]>();
    for (let i = 0; i < scores.length; i++) {
      const c = options.categories[i] ?? 'unknown';
      let g = groups.get(c);
      if (!g) groups.set(c, (g = []));
      g.push(i);
    }
    for (const [c, idx] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      if (idx.length < Math.max(2, options.minCategorySize ?? 2)) continue;
      byCategory[c] = metricsFor(
        idx.map((i) => scores[i]),
        idx.map((i) => grades[i]),
        options,
      );
    }
  }
  return { ...overall, byCategory };
}

/** The grades must lie on the scale [minGrade, maxGrade], or the graded loss leaves [0, 1]. */
function checkScale(grades: ArrayLike<number>, o: EvaluateOptions): void {
  const min = o.minGrade ?? 0;
  if (!(o.maxGrade > min)) {
    throw new SelfjError('BAD_INPUT', `evaluateScores: the grade scale needs maxGrade > minGrade, got [${min}, ${o.maxGrade}].`);
  }
  for (let i = 0; i < grades.length; i++) {
    if (grades[i] < min || grades[i] > o.maxGrade) {
      throw new SelfjError('BAD_INPUT', `evaluateScores: grade[${i}] = ${grades[i]} is outside the scale [${min}, ${o.maxGrade}].`, {
        solutions: ['Give the scale of your grader (e.g. --min-grade 1 --max-grade 10 for GPT-4 ratings 1-10)'],
      });
    }
  }
}

function metricsFor(scores: ArrayLike<number>, grades: ArrayLike<number>, o: EvaluateOptions): ScoreMetrics {
  const n = scores.length;
  const min = o.minGrade ?? 0;
  const loss = Float64Array.from({ length: n }, (_, i) => (o.maxGrade - grades[i]) / (o.maxGrade - min));
  const bad = Array.from({ length: n }, (_, i) => grades[i] < o.badBelow);
  const lossBinary = Float64Array.from(bad, (b) => (b ? 1 : 0));
  const selectiveRisk = (o.coverages ?? DEFAULT_COVERAGES).map((coverage) => {
    const p = selectiveRiskAtCoverage(scores, loss, coverage);
    const pb = selectiveRiskAtCoverage(scores, lossBinary, coverage);
    return { coverage, achievedCoverage: p.coverage, risk: p.risk, riskBinary: pb.risk };
  });
  return {
    n,
    pearson: pearson(scores, grades),
    spearman: spearman(scores, grades),
    kendallTauB: kendallTauB(scores, grades),
    aurc: aurc(scores, loss),
    aurcBinary: aurc(scores, lossBinary),
    aurcRandom: loss.reduce((a, b) => a + b, 0) / n,
    // the oracle answers the lowest-loss items first: score = -loss
    aurcOracle: aurc(
      Float64Array.from(loss, (l) => -l),
      loss,
    ),
    auroc: auroc(scores, bad),
    badRate: lossBinary.reduce((a, b) => a + b, 0) / n,
    selectiveRisk,
  };
}
