/**
 * Reference Self-J head loss and its gradient (float64), shared by the reference train step and the tests'
 * finite-difference check. One head on two views; teacher detached inside the KL term:
 *   loss_i = CE(y, pT) + a CE(y, pS) + b KL(pT || pS)
 *   dL/dzT = pT - y;   dL/dzS = a (pS - y) + b (pS - pT)
 * Means are weighted by sampleWeights (default 1) and divided by their sum.
 */
import { rowLogSoftmax } from './judgeHeadForward.js';

export interface LossAndGradInput {
  hTeacher: Float32Array;
  hStudent: Float32Array;
  offsetTeacher?: Float32Array | null;
  offsetStudent?: Float32Array | null;
  targets: Float32Array;
  sampleWeights?: Float32Array | null;
  /** Float32Array normally; Float64Array lets a finite-difference check perturb exactly. */
  w: ArrayLike<number>;
  bias: ArrayLike<number>;
  dim: number;
  bins: number;
  studentWeight: number;
  klWeight: number;
}

export interface LossAndGrad {
  loss: number;
  ceTeacher: number;
  ceStudent: number;
  kl: number;
  /** [bins*dim] dLoss/dW. */
  gW: Float64Array;
  /** [bins] dLoss/dbias. */
  gB: Float64Array;
}

export function judgeHeadLossAndGrad(x: LossAndGradInput): LossAndGrad {
  const { dim, bins, targets, studentWeight: a, klWeight: b } = x;
  const n = x.hTeacher.length / dim;
  const gW = new Float64Array(bins * dim);
  const gB = new Float64Array(bins);
  const lpT = new Float64Array(bins);
  const lpS = new Float64Array(bins);
  const dzT = new Float64Array(bins);
  const dzS = new Float64Array(bins);
  let sumW = 0;
  let ceT = 0;
  let ceS = 0;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const wt = x.sampleWeights ? x.sampleWeights[i] : 1;
    sumW += wt;
    rowLogSoftmax(x.hTeacher, i, x.w, x.bias, x.offsetTeacher, dim, bins, lpT);
    rowLogSoftmax(x.hStudent, i, x.w, x.bias, x.offsetStudent, dim, bins, lpS);
    let rowCeT = 0;
    let rowCeS = 0;
    let rowKl = 0;
    for (let k = 0; k < bins; k++) {
      const y = targets[i * bins + k];
      const pT = Math.exp(lpT[k]);
      const pS = Math.exp(lpS[k]);
      rowCeT -= y * lpT[k];
      rowCeS -= y * lpS[k];
      rowKl += pT * (lpT[k] - lpS[k]);
      dzT[k] = wt * (pT - y);
      dzS[k] = wt * (a * (pS - y) + b * (pS - pT));
    }
    ceT += wt * rowCeT;
    ceS += wt * rowCeS;
    kl += wt * rowKl;
    const oh = i * dim;
    for (let k = 0; k < bins; k++) {
      const t = dzT[k];
      const s = dzS[k];
      gB[k] += t + s;
      const ow = k * dim;
      for (let d = 0; d < dim; d++) gW[ow + d] += t * x.hTeacher[oh + d] + s * x.hStudent[oh + d];
    }
  }
  for (let j = 0; j < gW.length; j++) gW[j] /= sumW;
  for (let k = 0; k < bins; k++) gB[k] /= sumW;
  ceT /= sumW;
  ceS /= sumW;
  kl /= sumW;
  return { loss: ceT + a * ceS + b * kl, ceTeacher: ceT, ceStudent: ceS, kl, gW, gB };
}
