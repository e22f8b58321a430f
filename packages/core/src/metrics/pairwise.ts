import { SelfjError } from '../errors.js';

/** Which response the preference label says is better. */
export type Preference = 'a' | 'b' | 'tie';

export interface PairwiseAgreement {
  pairs: number;
  /** Pairs where the judge gave both responses the same score. */
  judgeTies: number;
  /** Pairs the label calls a tie (excluded from agreement, counted here). */
  labelTies: number;
  /** Agreement over non-tied labels, judge ties excluded from the denominator. */
  agreementExcludingTies: number;
  /** Agreement over non-tied labels, a judge tie counting one half. */
  agreementTiesHalf: number;
}

export function pairwiseAgreement(
  scoreA: ArrayLike<number>,
  scoreB: ArrayLike<number>,
  label: ArrayLike<Preference>,
  tieTolerance = 0,
): PairwiseAgreement {
  if (scoreA.length !== scoreB.length || scoreA.length !== label.length) {
    throw new SelfjError(
      'BAD_INPUT',
      `pairwiseAgreement: lengths differ (a ${scoreA.length}, b ${scoreB.length}, labels ${label.length}).`,
    );
  }
  let judgeTies = 0;
  let labelTies = 0;
  let agree = 0;
  let decided = 0;
  let tiesOnLabelled = 0;
  for (let i = 0; i < label.length; i++) {
    const l = label[i];
    if (l !== 'a' && l !== 'b' && l !== 'tie') {
      throw new SelfjError('BAD_INPUT', `pairwiseAgreement: label[${i}] is ${String(l)}; expected "a", "b" or "tie".`);
    }
    const diff = scoreA[i] - scoreB[i];
    if (!Number.isFinite(diff)) throw new SelfjError('BAD_INPUT', `pairwiseAgreement: pair ${i} has a non-finite score.`);
    const tie = Math.abs(diff) <= tieTolerance;
    if (tie) judgeTies++;
    if (l === 'tie') {
      labelTies++;
      continue;
    }
    if (tie) {
      tiesOnLabelled++;
      continue;
    }
    decided++;
    if ((diff > 0) === (l === 'a')) agree++;
  }
  const labelled = label.length - labelTies;
  return {
    pairs: label.length,
    judgeTies,
    labelTies,
    agreementExcludingTies: decided ? agree / decided : NaN,
    agreementTiesHalf: labelled ? (agree + 0.5 * tiesOnLabelled) / labelled : NaN,
  };
}

/** Share of prompts where the judge's pick beats a baseline, by grader score (ties count one half). */
export function winRate(pickedGrade: ArrayLike<number>, baselineGrade: ArrayLike<number>): number {
  if (pickedGrade.length !== baselineGrade.length || pickedGrade.length === 0) {
    throw new SelfjError('BAD_INPUT', 'winRate: needs two equal, non-empty arrays of grader scores.');
  }
  let wins = 0;
  for (let i = 0; i < pickedGrade.length; i++) {
    if (pickedGrade[i] > baselineGrade[i]) wins += 1;
    else if (pickedGrade[i] === baselineGrade[i]) wins += 0.5;
  }
  return wins / pickedGrade.length;
}
