/** The plain-TS reference kernels (also the js fallback backend), validated like the public API. */
import { badInput } from '../errors.js';
import type { JudgeHeadForwardArgs, JudgeHeadForwardResult, JudgeHeadLoss, JudgeHeadTrainStepArgs } from '../types.js';
import { allFinite, guardArgs, throwNonFinite, validateCosineMatrix, validateCosineRows, validateForward, validateTrainStep } from '../validate.js';
import { cosineMatrixRef } from './cosineMatrix.js';
import { cosineRowsRef } from './cosineRows.js';
import { judgeHeadForwardRef } from './judgeHeadForward.js';
import { judgeHeadLossAndGrad } from './judgeHeadLossAndGrad.js';
import { judgeHeadTrainStepRef } from './judgeHeadTrainStep.js';

export { cosineMatrixRef, cosineRowsRef, judgeHeadForwardRef, judgeHeadLossAndGrad, judgeHeadTrainStepRef };
export type { LossAndGrad, LossAndGradInput } from './judgeHeadLossAndGrad.js';

export function cosineRows(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const n = validateCosineRows(a, b, dim, out);
  const res = cosineRowsRef(a, b, dim, out ?? new Float32Array(n));
  if (!allFinite(res)) throwNonFinite('cosineRows', [['a', a], ['b', b]]);
  return res;
}

export function cosineMatrix(a: Float32Array, b: Float32Array, dim: number, out?: Float32Array): Float32Array {
  const { na, nb } = validateCosineMatrix(a, b, dim, out);
  const res = cosineMatrixRef(a, b, dim, out ?? new Float32Array(na * nb));
  if (!allFinite(res)) throwNonFinite('cosineMatrix', [['a', a], ['b', b]]);
  return res;
}

export function judgeHeadForward(args: JudgeHeadForwardArgs): JudgeHeadForwardResult {
  const n = validateForward(args);
  const { h, w, bias, offset, dim, bins } = args;
  const probs = args.probsOut ?? new Float32Array(n * bins);
  const scores = args.scoresOut ?? new Float32Array(n);
  judgeHeadForwardRef(h, w, bias, offset, dim, bins, probs, scores);
  if (!allFinite(probs) || !allFinite(scores)) {
    throwNonFinite('judgeHeadForward', [['h', h], ['w', w], ['bias', bias], ['offset', offset]]);
  }
  return { probs, scores };
}

/** Inputs of a train step in the order they are scanned when a result is non-finite. */
export function trainInputs(args: JudgeHeadTrainStepArgs): [string, Float32Array | null | undefined][] {
  return [
    ['hTeacher', args.hTeacher], ['hStudent', args.hStudent], ['offsetTeacher', args.offsetTeacher],
    ['offsetStudent', args.offsetStudent], ['targets', args.targets], ['sampleWeights', args.sampleWeights],
    ['w', args.w], ['bias', args.bias], ['state.mW', args.state.mW], ['state.vW', args.state.vW],
    ['state.mB', args.state.mB], ['state.vB', args.state.vB],
  ];
}

export function judgeHeadTrainStep(args: JudgeHeadTrainStepArgs): JudgeHeadLoss {
  const { hyper } = validateTrainStep(args);
  // Moments must be finite too: a NaN there would poison the update without touching the loss.
  for (const [name, arr] of trainInputs(args).slice(8)) {
    if (!allFinite(arr as Float32Array)) throwNonFinite('judgeHeadTrainStep', [[name, arr]]);
  }
  const r = judgeHeadTrainStepRef(args, hyper);
  if (!r) throwNonFinite('judgeHeadTrainStep', trainInputs(args));
  return r;
}

/** Validated float64 loss and gradient of the Self-J head loss (no update); for checks and custom optimisers. */
export function lossAndGrad(args: Omit<JudgeHeadTrainStepArgs, 'state'>) {
  const { hyper } = validateTrainStep(guardArgs('args', () => ({ ...args, state: createAdamWStateUnchecked(args.dim, args.bins) })));
  return judgeHeadLossAndGrad({ ...args, studentWeight: hyper.studentWeight, klWeight: hyper.klWeight });
}

function createAdamWStateUnchecked(dim: number, bins: number) {
  const len = Number.isInteger(dim) && Number.isInteger(bins) && dim > 0 && bins > 0 && dim * bins <= 2 ** 30 ? dim * bins : 0;
  return { mW: new Float32Array(len), vW: new Float32Array(len), mB: new Float32Array(bins > 0 && bins <= 64 ? bins : 0),
    vB: new Float32Array(bins > 0 && bins <= 64 ? bins : 0), step: 0 };
}

/** Sanity bound for createAdamWState so a typo cannot allocate gigabytes. */
export function checkStateShape(dim: number, bins: number): void {
  if (!Number.isInteger(dim) || dim < 1 || dim > 2 ** 24) throw badInput('dim', 'a positive integer <= 16777216', String(dim));
  if (!Number.isInteger(bins) || bins < 2 || bins > 64) throw badInput('bins', 'an integer in 2..64', String(bins));
}
