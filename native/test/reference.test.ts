// The TS reference against values computed by hand (python/float64, see the comments), plus gradient checks.
import { describe, expect, it } from 'vitest';
import { createAdamWState, reference } from '../ts/index.js';
import { judgeHeadLossAndGrad } from '../ts/reference/judgeHeadLossAndGrad.js';
import { learnableBatch, rng, randF32, trainBatch } from './fixtures/lib.mjs';

const f = (xs: number[]) => Float32Array.from(xs);

describe('reference cosine', () => {
  it('matches known vectors', () => {
    const a = f([1, 0, 1, 2, 3, 0, 1, 2, 3]);
    const b = f([1, 1, 4, 5, 6, 0, -1, -2, -3].slice(0, 9));
    // rows of dim 3: [1,0,1]·[1,1,4] = 5 / (√2 √18) = 5/6; [2,3,0]·[5,6,0] = 28/(√13 √61); [1,2,3]·[-1,-2,-3] = -1
    const out = reference.cosineRows(a, b, 3);
    expect(out[0]).toBeCloseTo(5 / 6, 6);
    expect(out[1]).toBeCloseTo(28 / Math.sqrt(13 * 61), 6);
    expect(out[2]).toBeCloseTo(-1, 6);
    expect(reference.cosineRows(f([1, 2, 3]), f([4, 5, 6]), 3)[0]).toBeCloseTo(0.9746318461970762, 6);
    expect(reference.cosineRows(f([1, 0]), f([1, 1]), 2)[0]).toBeCloseTo(Math.SQRT1_2, 7);
  });

  it('gives 0 for a zero-norm row on either side, and writes into out', () => {
    const out = new Float32Array(2).fill(9);
    const r = reference.cosineRows(f([0, 0, 1, 1]), f([1, 2, 0, 0]), 2, out);
    expect(r).toBe(out);
    expect(Array.from(out)).toEqual([0, 0]);
  });

  it('matrix: out[i*nb+j] = cos(a_i, b_j)', () => {
    const m = reference.cosineMatrix(f([1, 0, 0, 1]), f([1, 1, 0, 2, 0, 0]), 2);
    const want = [Math.SQRT1_2, 0, 0, Math.SQRT1_2, 1, 0];
    m.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });
});

describe('reference judge head', () => {
  it('forward: softmax of offset + h W^T + bias and the expected bin', () => {
    // h=[1,2]; W rows [1,0],[0,1],[1,1] -> [1,2,3]; + bias [0,.5,-1] + offset [0,-.5,1] -> logits [1,2,3]
    const { probs, scores } = reference.judgeHeadForward({
      h: f([1, 2]), w: f([1, 0, 0, 1, 1, 1]), bias: f([0, 0.5, -1]), offset: f([0, -0.5, 1]), dim: 2, bins: 3,
    });
    [0.09003057317038046, 0.24472847105479764, 0.6652409557748218].forEach((p, k) => expect(probs[k]).toBeCloseTo(p, 6));
    expect(scores[0]).toBeCloseTo(1.5752103826044412, 5);
  });

  it('forward: offsets of -1e30 on every bin give the uniform distribution (max subtracted first)', () => {
    const { probs, scores } = reference.judgeHeadForward({
      h: f([0.1, 0.2]), w: f([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), bias: f([0, 0, 0]), offset: f([-1e30, -1e30, -1e30]), dim: 2, bins: 3,
    });
    probs.forEach((p) => expect(p).toBeCloseTo(1 / 3, 6));
    expect(scores[0]).toBeCloseTo(1, 6);
  });

  it('one AdamW step by hand (mid-run moments, step 3 -> 4, weight decay on W only)', () => {
    // 1 row, dim 1, bins 2: hT=1, hS=2, y=[.25,.75], W=[.5,-.5], b=[.1,0]; a=.3, b=2; lr=.1, wd=.5
    const state = { mW: f([0.2, 0.1]), vW: f([0.04, 0.01]), mB: f([0, 0.05]), vB: f([0, 0.02]), step: 3 };
    const w = f([0.5, -0.5]);
    const bias = f([0.1, 0]);
    const loss = reference.judgeHeadTrainStep({
      hTeacher: f([1]), hStudent: f([2]), targets: f([0.25, 0.75]), w, bias, dim: 1, bins: 2, state,
      lr: 0.1, weightDecay: 0.5,
    });
    // pT = [.75026, .24974], pS = [.89090, .10910]; CE_t=1.11234, CE_s=1.69052, KL=.077924; gW=[1.44737,-1.44737]
    expect(loss.loss).toBeCloseTo(1.7753393670077706, 6);
    expect(loss.ceTeacher).toBeCloseTo(1.1123353251154309, 6);
    expect(loss.ceStudent).toBeCloseTo(1.690519523179755, 6);
    expect(loss.kl).toBeCloseTo(0.07792409246920665, 6);
    expect(state.step).toBe(4);
    const wantW = [0.44589978768340033, -0.46584970526545555];
    const wantM = [0.32473743057148274, -0.05473743057148271];
    const wantV = [0.042054892380843485, 0.012084892380843482];
    for (let k = 0; k < 2; k++) {
      expect(w[k]).toBeCloseTo(wantW[k], 6);
      expect(state.mW[k]).toBeCloseTo(wantM[k], 6);
      expect(state.vW[k]).toBeCloseTo(wantV[k], 6);
    }
    expect(bias[0]).toBeCloseTo(0.04188716497341591, 6); // no decay on the bias
    expect(bias[1]).toBeCloseTo(0.006654028341837206, 6);
    expect(state.mB[1]).toBeCloseTo(-0.05238172056549723, 6);
  });

  it('the float64 gradient matches central finite differences of the detached-teacher loss', () => {
    // The KL term holds the teacher fixed, so the gradient is that of a surrogate with pT frozen inside KL.
    const r = rng(3);
    const dim = 5, bins = 4, n = 6, a = 0.3, kb = 2;
    const batch = trainBatch(r, n, dim, bins);
    const w = Float64Array.from(randF32(r, bins * dim, 0.3));
    const bias = Float64Array.from(randF32(r, bins, 0.3));
    const g = judgeHeadLossAndGrad({ ...batch, w, bias, dim, bins, studentWeight: a, klWeight: kb });
    const logSoftmax = (h: Float32Array, off: Float32Array | undefined, i: number, ww: Float64Array, bb: Float64Array) => {
      const z = Array.from({ length: bins }, (_, k) => {
        let s = bb[k] + (off ? off[i * bins + k] : 0);
        for (let d = 0; d < dim; d++) s += h[i * dim + d] * ww[k * dim + d];
        return s;
      });
      const m = Math.max(...z);
      const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
      return z.map((v) => v - lse);
    };
    const frozenPT = Array.from({ length: n }, (_, i) => logSoftmax(batch.hTeacher, batch.offsetTeacher, i, w, bias).map(Math.exp));
    const surrogate = (ww: Float64Array, bb: Float64Array) => {
      let tot = 0, sw = 0;
      for (let i = 0; i < n; i++) {
        const lT = logSoftmax(batch.hTeacher, batch.offsetTeacher, i, ww, bb);
        const lS = logSoftmax(batch.hStudent, batch.offsetStudent, i, ww, bb);
        let li = 0;
        for (let k = 0; k < bins; k++) {
          const y = batch.targets[i * bins + k], pT = frozenPT[i][k];
          li += -y * lT[k] - a * y * lS[k] + kb * pT * (Math.log(pT) - lS[k]);
        }
        const wt = batch.sampleWeights![i];
        tot += wt * li; sw += wt;
      }
      return tot / sw;
    };
    expect(surrogate(w, bias)).toBeCloseTo(g.loss, 10);
    const h = 1e-6;
    for (const [param, grad] of [[w, g.gW], [bias, g.gB]] as const) {
      for (let j = 0; j < param.length; j++) {
        const p = param.slice(); const m = param.slice();
        p[j] += h; m[j] -= h;
        const fd = param === w ? (surrogate(p, bias) - surrogate(m, bias)) / (2 * h) : (surrogate(w, p) - surrogate(w, m)) / (2 * h);
        expect(Math.abs(fd - grad[j])).toBeLessThan(1e-7 + 1e-6 * Math.abs(fd));
      }
    }
  });

  it('the KL term treats the teacher as detached (the gradient is not the full derivative)', () => {
    // With studentWeight=0 and only the teacher view informative, dL/dzT must be pT - y exactly (no KL part).
    const r = rng(5);
    const dim = 3, bins = 3;
    const batch = trainBatch(r, 1, dim, bins, { offsets: false, weights: false });
    batch.hStudent.fill(0);
    const w = Float64Array.from(randF32(r, bins * dim, 0.5));
    const bias = new Float64Array(bins);
    const g = judgeHeadLossAndGrad({ ...batch, w, bias, dim, bins, studentWeight: 0, klWeight: 5 });
    const { probs } = reference.judgeHeadForward({ h: batch.hTeacher, w: Float32Array.from(w), bias: new Float32Array(bins), dim, bins });
    // student features are zero, so pS is uniform and gB = (pT - y) + 5 (1/3 - pT)
    for (let k = 0; k < bins; k++) expect(g.gB[k]).toBeCloseTo(probs[k] - batch.targets[k] + 5 * (1 / 3 - probs[k]), 6);
  });

  it('training steps lower the loss', () => {
    const r = rng(11);
    const dim = 8, bins = 10, n = 64;
    const batch = learnableBatch(r, n, dim, bins);
    const w = new Float32Array(bins * dim);
    const bias = new Float32Array(bins);
    const state = createAdamWState(dim, bins);
    const losses: number[] = [];
    for (let s = 0; s < 150; s++) losses.push(reference.judgeHeadTrainStep({ ...batch, w, bias, dim, bins, state, lr: 0.03 }).loss);
    expect(losses[149]).toBeLessThan(0.8 * losses[0]);
    expect(state.step).toBe(150);
  });
});
