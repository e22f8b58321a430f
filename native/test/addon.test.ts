// The active native backend (CPU addon at the best ISA here) against the TS reference, batch/thread invariance,
// training behaviour, and error reporting through the addon path. Skips (or fails under SELFJ_NATIVE_REQUIRE=1)
// when the addon is not built.
import { afterAll, describe, expect, it } from 'vitest';
import * as api from '../ts/index.js';
import { runAgreement } from './fixtures/agreement.mjs';
import { bitwiseEqual, cloneState, learnableBatch, makeHead, randF32, rng, trainBatch } from './fixtures/lib.mjs';
import { needAddon } from './helpers.js';

type Ctx = { skip: (note?: string) => void };
function nativeApi(ctx: Ctx) {
  needAddon(ctx);
  expect(api.info().backend, 'public API should run on the addon (is SELFJ_NATIVE_BACKEND=js set?)').not.toBe('js');
  return api;
}

afterAll(() => {
  if (api.info().backend !== 'js') api.setThreads(2);
});

describe('addon vs reference', () => {
  it('agrees on random shapes (cosine 1e-5, head 1e-4)', (ctx) => {
    nativeApi(ctx);
    const results = runAgreement(api, 1);
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r: { ok: boolean }) => !r.ok)).toEqual([]);
  });

  it('zero-norm rows give exactly 0, also in the matrix', (ctx) => {
    nativeApi(ctx);
    const a = new Float32Array(3 * 17);
    a.set(randF32(rng(2), 17), 17);
    const b = randF32(rng(3), 3 * 17);
    b.fill(0, 34);
    expect(Array.from(api.cosineRows(a, b, 17)).map((v, i) => (i === 1 ? 1 : v))).toEqual([0, 1, 0]);
    const m = api.cosineMatrix(a, b, 17);
    for (const i of [0, 1, 2, 5, 6, 8]) expect(m[i]).toBe(0);
  });
});

describe('dynamic range', () => {
  // float32 accumulation: squared norms overflow above ~1e19 and underflow below ~1e-19 per element; well inside that
  // range the addon must agree with the float64 reference.
  for (const scale of [1e-15, 1e-6, 1e6, 1e15]) {
    it(`cosine of rows scaled by ${scale} agrees with the reference`, (ctx) => {
      nativeApi(ctx);
      const r = rng(17), dim = 33, n = 9;
      const a = randF32(r, n * dim, scale), b = randF32(r, n * dim, scale);
      const tol = (x: Float32Array, y: Float32Array) => Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i])));
      expect(tol(api.cosineRows(a, b, dim), api.reference.cosineRows(a, b, dim))).toBeLessThan(1e-5);
      expect(tol(api.cosineMatrix(a, b, dim), api.reference.cosineMatrix(a, b, dim))).toBeLessThan(1e-5);
    });
  }
});

describe('batch and thread invariance (bitwise)', () => {
  const r = rng(21);
  const dim = 1000;
  const big = { a: randF32(r, 1000 * dim), b: randF32(r, 1000 * dim) };
  const row = 7;

  it('cosineRows: a row alone, in a batch of 16, in 1000, on 1 and 2 threads', (ctx) => {
    nativeApi(ctx);
    const sl = (x: Float32Array, from: number, to: number) => x.subarray(from * dim, to * dim);
    const alone = api.cosineRows(sl(big.a, row, row + 1), sl(big.b, row, row + 1), dim)[0];
    const in16 = api.cosineRows(sl(big.a, 0, 16), sl(big.b, 0, 16), dim)[row];
    api.setThreads(1);
    const t1 = api.cosineRows(big.a, big.b, dim);
    api.setThreads(2);
    const t2 = api.cosineRows(big.a, big.b, dim);
    expect(bitwiseEqual(Float32Array.of(alone), Float32Array.of(in16))).toBe(true);
    expect(bitwiseEqual(Float32Array.of(alone), Float32Array.of(t2[row]))).toBe(true);
    expect(bitwiseEqual(t1, t2)).toBe(true);
  });

  it('cosineMatrix: an a-row or b-row alone vs inside 16 / 1000 rows, 1 vs 2 threads', (ctx) => {
    nativeApi(ctx);
    const d = 33;
    const a = randF32(r, 1000 * d), b = randF32(r, 16 * d);
    api.setThreads(2);
    const full = api.cosineMatrix(a, b, d);
    const first16 = api.cosineMatrix(a.subarray(0, 16 * d), b, d);
    const alone = api.cosineMatrix(a.subarray(row * d, (row + 1) * d), b, d);
    expect(bitwiseEqual(alone, full.subarray(row * 16, row * 16 + 16))).toBe(true);
    expect(bitwiseEqual(first16, full.subarray(0, 16 * 16))).toBe(true);
    const bAlone = api.cosineMatrix(a, b.subarray(3 * d, 4 * d), d);
    for (let i = 0; i < 1000; i++) expect(bAlone[i]).toBe(full[i * 16 + 3]);
    api.setThreads(1);
    const t1 = api.cosineMatrix(a, b, d);
    api.setThreads(2);
    expect(bitwiseEqual(t1, full)).toBe(true);
  });

  it('judgeHeadForward: a row alone vs batch of 16 / 1000, 1 vs 2 threads', (ctx) => {
    nativeApi(ctx);
    const bins = 10;
    const { w, bias } = makeHead(r, dim, bins);
    const off = randF32(r, 1000 * bins, 2);
    const run = (from: number, to: number) => api.judgeHeadForward({
      h: big.a.subarray(from * dim, to * dim), w, bias, offset: off.subarray(from * bins, to * bins), dim, bins,
    });
    const alone = run(row, row + 1);
    const in16 = run(0, 16);
    api.setThreads(1);
    const t1 = run(0, 1000);
    api.setThreads(2);
    const t2 = run(0, 1000);
    expect(bitwiseEqual(alone.probs, in16.probs.subarray(row * bins, (row + 1) * bins))).toBe(true);
    expect(bitwiseEqual(alone.scores, in16.scores.subarray(row, row + 1))).toBe(true);
    expect(bitwiseEqual(alone.probs, t2.probs.subarray(row * bins, (row + 1) * bins))).toBe(true);
    expect(bitwiseEqual(t1.probs, t2.probs)).toBe(true);
    expect(bitwiseEqual(t1.scores, t2.scores)).toBe(true);
  });

  it('judgeHeadTrainStep: identical loss and weights on 1, 2 and 3 threads', (ctx) => {
    nativeApi(ctx);
    // 1000 rows = 16 gradient chunks, large enough that the addon really uses every thread it is given.
    const bins = 10, n = 1000, d = 257;
    const batch = trainBatch(r, n, d, bins);
    const head = makeHead(r, d, bins);
    const runWith = (threads: number) => {
      api.setThreads(threads);
      const w = head.w.slice(), bias = head.bias.slice(), state = api.createAdamWState(d, bins);
      const losses = [0, 1, 2].map(() => api.judgeHeadTrainStep({ ...batch, w, bias, dim: d, bins, state }).loss);
      return { w, bias, state, losses };
    };
    const one = runWith(1);
    for (const other of [runWith(2), runWith(3)]) {
      expect(other.losses).toEqual(one.losses);
      expect(bitwiseEqual(one.w, other.w)).toBe(true);
      expect(bitwiseEqual(one.bias, other.bias)).toBe(true);
      expect(bitwiseEqual(one.state.vW, other.state.vW)).toBe(true);
    }
    api.setThreads(2);
  });
});

describe('training through the addon', () => {
  it('lowers the loss over steps and tracks the reference trajectory', (ctx) => {
    nativeApi(ctx);
    const dim = 64, bins = 10, n = 256;
    const batch = learnableBatch(rng(8), n, dim, bins);
    const w = new Float32Array(bins * dim), bias = new Float32Array(bins);
    const wR = w.slice(), bR = bias.slice();
    const state = api.createAdamWState(dim, bins);
    const stateR = cloneState(state);
    const losses: number[] = [], lossesR: number[] = [];
    for (let s = 0; s < 100; s++) {
      losses.push(api.judgeHeadTrainStep({ ...batch, w, bias, dim, bins, state, lr: 0.02 }).loss);
      lossesR.push(api.reference.judgeHeadTrainStep({ ...batch, w: wR, bias: bR, dim, bins, state: stateR, lr: 0.02 }).loss);
    }
    expect(losses[99]).toBeLessThan(0.6 * losses[0]);
    expect(state.step).toBe(100);
    for (let s = 0; s < 100; s += 11) expect(Math.abs(losses[s] - lossesR[s]) / lossesR[s]).toBeLessThan(1e-3);
  });
});

describe('non-finite inputs through the addon name the argument', () => {
  const nan = (x: Float32Array, i = 1) => { const y = x.slice(); y[i] = NaN; return y; };
  const r = rng(30);
  const dim = 9, bins = 4, n = 3;
  const a = randF32(r, n * dim), b = randF32(r, n * dim);
  const { w, bias } = makeHead(r, dim, bins);

  const cases: [string, () => unknown, string][] = [
    ['cosineRows a', () => api.cosineRows(nan(a), b, dim), 'a'],
    ['cosineRows b', () => api.cosineRows(a, nan(b, 20), dim), 'b'],
    ['cosineMatrix b (Infinity)', () => { const y = b.slice(); y[4] = Infinity; return api.cosineMatrix(a, y, dim); }, 'b'],
    ['judgeHeadForward h', () => api.judgeHeadForward({ h: nan(a), w, bias, dim, bins }), 'h'],
    ['judgeHeadForward w', () => api.judgeHeadForward({ h: a, w: nan(w), bias, dim, bins }), 'w'],
    ['judgeHeadForward offset', () => api.judgeHeadForward({ h: a, w, bias, offset: nan(new Float32Array(n * bins)), dim, bins }), 'offset'],
    ['judgeHeadTrainStep targets', () => {
      const bt = trainBatch(r, n, dim, bins);
      return api.judgeHeadTrainStep({ ...bt, targets: nan(bt.targets), w: w.slice(), bias: bias.slice(), dim, bins, state: api.createAdamWState(dim, bins) });
    }, 'targets'],
    ['judgeHeadTrainStep hStudent', () => {
      const bt = trainBatch(r, n, dim, bins);
      return api.judgeHeadTrainStep({ ...bt, hStudent: nan(bt.hStudent), w: w.slice(), bias: bias.slice(), dim, bins, state: api.createAdamWState(dim, bins) });
    }, 'hStudent'],
  ];
  for (const [label, call, arg] of cases) {
    it(label, (ctx) => {
      nativeApi(ctx);
      let err: unknown;
      try { call(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(api.NativeError);
      expect((err as api.NativeError).code).toBe('BAD_INPUT');
      expect((err as api.NativeError).argument).toBe(arg);
      expect((err as Error).message).toContain(`"${arg}"`);
    });
  }
});
