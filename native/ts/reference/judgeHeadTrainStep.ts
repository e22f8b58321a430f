/**
 * Reference fused train step: Self-J head loss + gradient (judgeHeadLossAndGrad), then one AdamW update with
 * PyTorch semantics (step += 1; W *= 1 - lr*wd (not the bias); m, v moments; bias-corrected update).
 * Returns null without touching w/bias/state when the loss or a gradient is non-finite, so the caller can name
 * the offending input before anything is overwritten.
 */
import type { JudgeHeadLoss, JudgeHeadTrainStepArgs, TrainHyper } from '../types.js';
import { judgeHeadLossAndGrad } from './judgeHeadLossAndGrad.js';

/** The data of a train step (the hyper-parameters come separately, already defaulted). */
export type TrainStepInput = Pick<
  JudgeHeadTrainStepArgs,
  'hTeacher' | 'hStudent' | 'offsetTeacher' | 'offsetStudent' | 'targets' | 'sampleWeights' | 'w' | 'bias' | 'dim' | 'bins' | 'state'
>;

function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return false;
  return true;
}

/** One AdamW update of param (in place) from gradient g, moments m, v. */
function adamW(param: Float32Array, g: Float64Array, m: Float32Array, v: Float32Array, step: number, h: TrainHyper,
  decay: boolean): void {
  const bc1 = 1 - Math.pow(h.beta1, step);
  const bc2 = 1 - Math.pow(h.beta2, step);
  const shrink = decay ? 1 - h.lr * h.weightDecay : 1;
  for (let j = 0; j < param.length; j++) {
    const mj = h.beta1 * m[j] + (1 - h.beta1) * g[j];
    const vj = h.beta2 * v[j] + (1 - h.beta2) * g[j] * g[j];
    m[j] = mj;
    v[j] = vj;
    param[j] = param[j] * shrink - (h.lr * (mj / bc1)) / (Math.sqrt(vj / bc2) + h.eps);
  }
}

export function judgeHeadTrainStepRef(x: TrainStepInput, hyper: TrainHyper): JudgeHeadLoss | null {
  const r = judgeHeadLossAndGrad({ ...x, studentWeight: hyper.studentWeight, klWeight: hyper.klWeight });
  if (!Number.isFinite(r.loss) || !allFinite(r.gW) || !allFinite(r.gB)) return null;
  const st = x.state;
  st.step += 1;
  adamW(x.w, r.gW, st.mW, st.vW, st.step, hyper, true);
  adamW(x.bias, r.gB, st.mB, st.vB, st.step, hyper, false);
  return { loss: r.loss, ceTeacher: r.ceTeacher, ceStudent: r.ceStudent, kl: r.kl };
}
