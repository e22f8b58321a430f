/**
 * Pairwise verdicts from two independent scores, and the agreement measures that count a tie as a class of its
 * own (Auto-J, PandaLM, MT-bench's S1). Agreements that leave ties out or count them one half are core's
 * pairwiseAgreement; these are the tie-inclusive ones it does not have.
 */
import { SelfjError } from '@selfj/core';
import { type Preference } from '@selfj/core/metrics';

/** "a" when a scores more than b by more than `tolerance`, "b" the other way, else "tie". */
export function verdicts(scoreA: ArrayLike<number>, scoreB: ArrayLike<number>, tolerance = 0): Preference[] {
  if (scoreA.length !== scoreB.length) throw new SelfjError('BAD_INPUT', `verdicts: ${scoreA.length} scores for a but ${scoreB.length} for b.`);
  const out: Preference[] = new Array(scoreA.length);
  for (let i = 0; i < scoreA.length; i++) {
    const d = scoreA[i] - scoreB[i];
    out[i] = d > tolerance ? 'a' : d < -tolerance ? 'b' : 'tie';
  }
  return out;
}

/** Share of items where the verdict equals the label, ties included as a class (3-way exact agreement). */
export function exactAgreement(pred: readonly Preference[], gold: readonly Preference[]): number {
  if (pred.length !== gold.length || pred.length === 0) throw new SelfjError('BAD_INPUT', 'exactAgreement: needs two equal, non-empty label lists.');
  let hit = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === gold[i]) hit++;
  return hit / pred.length;
}

export interface ClassReport {
  accuracy: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
}

/** Accuracy and macro-averaged precision / recall / F1 over the classes tie, a, b (an empty class scores 0, as in PandaLM). */
export function classReport(pred: readonly Preference[], gold: readonly Preference[]): ClassReport {
  const classes: Preference[] = ['tie', 'a', 'b'];
  const accuracy = exactAgreement(pred, gold);
  let p = 0;
  let r = 0;
  let f = 0;
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < pred.length; i++) {
      if (pred[i] === c && gold[i] === c) tp++;
      else if (pred[i] === c) fp++;
      else if (gold[i] === c) fn++;
    }
    const prec = tp + fp ? tp / (tp + fp) : 0;
    const rec = tp + fn ? tp / (tp + fn) : 0;
    p += prec;
    r += rec;
    f += prec + rec ? (2 * prec * rec) / (prec + rec) : 0;
  }
  return { accuracy, macroPrecision: p / 3, macroRecall: r / 3, macroF1: f / 3 };
}
