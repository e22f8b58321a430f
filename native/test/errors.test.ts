// Every argument, wrong in turn, through the public API: a NativeError with code BAD_INPUT whose message names the
// argument (and the same through the reference, which validates identically).
import { describe, expect, it } from 'vitest';
import * as api from '../ts/index.js';
import { randF32, rng, trainBatch } from './fixtures/lib.mjs';
import { ADDON_PATH, childJson, needAddon, runFixture } from './helpers.js';

const r = rng(40);
const dim = 4, bins = 3, n = 2;
const a = randF32(r, n * dim), b = randF32(r, n * dim);
const w = randF32(r, bins * dim, 0.1), bias = randF32(r, bins);
const batch = trainBatch(r, n, dim, bins);
const train = (over: Record<string, unknown>) => () =>
  api.judgeHeadTrainStep({ ...batch, w: w.slice(), bias: bias.slice(), dim, bins, state: api.createAdamWState(dim, bins), ...over } as never);
const fwd = (over: Record<string, unknown>) => () => api.judgeHeadForward({ h: a, w, bias, dim, bins, ...over } as never);

const cases: [string, () => unknown, string][] = [
  ['cosineRows a not Float32Array', () => api.cosineRows(Array.from(a) as never, b, dim), 'a'],
  ['cosineRows b wrong length', () => api.cosineRows(a, b.subarray(1), dim), 'b'],
  ['cosineRows dim 0', () => api.cosineRows(a, b, 0), 'dim'],
  ['cosineRows dim fractional', () => api.cosineRows(a, b, 2.5), 'dim'],
  ['cosineRows dim NaN', () => api.cosineRows(a, b, NaN), 'dim'],
  ['cosineRows dim not dividing', () => api.cosineRows(a, b, 3), 'a'],
  ['cosineRows dim huge', () => api.cosineRows(a, b, 2 ** 40), 'dim'],
  ['cosineRows out wrong length', () => api.cosineRows(a, b, dim, new Float32Array(3)), 'out'],
  ['cosineMatrix b not dividing', () => api.cosineMatrix(a, b.subarray(1), dim), 'b'],
  ['cosineMatrix out wrong length', () => api.cosineMatrix(a, b, dim, new Float32Array(n)), 'out'],
  ['forward args not an object', () => api.judgeHeadForward(undefined as never), 'args'],
  ['forward h Float64Array', fwd({ h: new Float64Array(n * dim) }), 'h'],
  ['forward w wrong length', fwd({ w: w.subarray(1) }), 'w'],
  ['forward bias wrong length', fwd({ bias: new Float32Array(bins + 1) }), 'bias'],
  ['forward bins 1', fwd({ bins: 1 }), 'bins'],
  ['forward bins 65', fwd({ bins: 65 }), 'bins'],
  ['forward dim string', fwd({ dim: '4' }), 'dim'],
  ['forward offset wrong length', fwd({ offset: new Float32Array(n * bins - 1) }), 'offset'],
  ['forward probsOut wrong length', fwd({ probsOut: new Float32Array(1) }), 'probsOut'],
  ['forward scoresOut wrong length', fwd({ scoresOut: new Float32Array(n + 1) }), 'scoresOut'],
  ['train hTeacher missing', train({ hTeacher: undefined }), 'hTeacher'],
  ['train hTeacher empty', train({ hTeacher: new Float32Array(0) }), 'hTeacher'],
  ['train hStudent wrong length', train({ hStudent: new Float32Array(dim) }), 'hStudent'],
  ['train offsetTeacher wrong length', train({ offsetTeacher: new Float32Array(1) }), 'offsetTeacher'],
  ['train offsetStudent wrong type', train({ offsetStudent: [1, 2] }), 'offsetStudent'],
  ['train targets wrong length', train({ targets: new Float32Array(n) }), 'targets'],
  ['train sampleWeights wrong length', train({ sampleWeights: new Float32Array(n + 1) }), 'sampleWeights'],
  ['train sampleWeights negative', train({ sampleWeights: Float32Array.of(1, -1) }), 'sampleWeights'],
  ['train sampleWeights all zero', train({ sampleWeights: new Float32Array(n) }), 'sampleWeights'],
  ['train w wrong length', train({ w: new Float32Array(dim) }), 'w'],
  ['train bias wrong length', train({ bias: new Float32Array(1) }), 'bias'],
  ['train bins 0', train({ bins: 0 }), 'bins'],
  ['train dim -1', train({ dim: -1 }), 'dim'],
  ['train state missing', train({ state: undefined }), 'state'],
  ['train state.mW wrong length', train({ state: { ...api.createAdamWState(dim, bins), mW: new Float32Array(1) } }), 'state.mW'],
  ['train state.vB wrong type', train({ state: { ...api.createAdamWState(dim, bins), vB: [0, 0, 0] } }), 'state.vB'],
  ['train state.step negative', train({ state: { ...api.createAdamWState(dim, bins), step: -1 } }), 'state.step'],
  ['train lr NaN', train({ lr: NaN }), 'lr'],
  ['train lr negative', train({ lr: -1 }), 'lr'],
  ['train beta1 = 1', train({ beta1: 1 }), 'beta1'],
  ['train beta2 string', train({ beta2: '0.9' }), 'beta2'],
  ['train eps 0', train({ eps: 0 }), 'eps'],
  ['train weightDecay Infinity', train({ weightDecay: Infinity }), 'weightDecay'],
  ['train studentWeight negative', train({ studentWeight: -0.3 }), 'studentWeight'],
  ['train klWeight NaN', train({ klWeight: NaN }), 'klWeight'],
  ['train moments NaN', train({ state: { ...api.createAdamWState(dim, bins), vW: new Float32Array(bins * dim).fill(NaN) } }), 'state.vW'],
  ['createAdamWState bins 100', () => api.createAdamWState(4, 100), 'bins'],
  ['createAdamWState dim 0', () => api.createAdamWState(0, 10), 'dim'],
  ['setThreads 0', () => api.setThreads(0), 'n'],
  // Look-alikes: instanceof passes for these, but they are not typed arrays (issue 10).
  ['cosineRows a is a Proxy of a Float32Array', () => api.cosineRows(new Proxy(a, {}), b, dim), 'a'],
  ['cosineRows a is Object.create(Float32Array.prototype)', () => api.cosineRows(Object.create(Float32Array.prototype), b, dim), 'a'],
  ['cosineRows out is a Proxy', () => api.cosineRows(a, b, dim, new Proxy(new Float32Array(n), {})), 'out'],
  ['cosineMatrix b is a fake Float32Array', () => api.cosineMatrix(a, Object.create(Float32Array.prototype), dim), 'b'],
  ['cosineMatrix a is a revoked Proxy', () => { const p = Proxy.revocable(a, {}); p.revoke(); return api.cosineMatrix(p.proxy, b, dim); }, 'a'],
  ['forward h is a Proxy', fwd({ h: new Proxy(a, {}) }), 'h'],
  ['forward args is a revoked Proxy', () => { const p = Proxy.revocable({}, {}); p.revoke(); return api.judgeHeadForward(p.proxy as never); }, 'args'],
  ['forward args getter throws', () => api.judgeHeadForward({ w, bias, dim, bins, get h(): never { throw new TypeError('boom'); } } as never), 'args'],
  ['train state.mW is a Proxy', train({ state: { ...api.createAdamWState(dim, bins), mW: new Proxy(new Float32Array(bins * dim), {}) } }), 'state.mW'],
];

describe('bad input names the argument', () => {
  for (const [label, call, arg] of cases) {
    it(label, () => {
      let err: unknown;
      try { call(); } catch (e) { err = e; }
      expect(err, 'expected a throw').toBeInstanceOf(api.NativeError);
      const e = err as api.NativeError;
      expect(e.code).toBe('BAD_INPUT');
      expect(e.argument).toBe(arg);
      expect(e.message).toContain(`"${arg}"`);
      expect(api.isNativeError(e, 'BAD_INPUT')).toBe(true);
    });
  }

  it('a NaN input through the reference is named too, and the weights are left untouched', () => {
    const y = batch.targets.slice(); y[0] = NaN;
    const ww = w.slice(), state = api.createAdamWState(dim, bins);
    expect(() => api.reference.judgeHeadTrainStep({ ...batch, targets: y, w: ww, bias: bias.slice(), dim, bins, state }))
      .toThrow(/"targets" contains NaN/);
    expect(Array.from(ww)).toEqual(Array.from(w));
    expect(state.step).toBe(0);
  });

  it('a solution list is attached for type errors', () => {
    try { api.cosineRows([1] as never, b, dim); } catch (e) { expect((e as Error).message).toContain('Possible solutions:'); }
    expect.assertions(1);
  });
});

describe('info and helpers', () => {
  it('info() reports a consistent backend', () => {
    const i = api.info();
    expect(['js', 'cpu', 'cuda']).toContain(i.backend);
    expect(i.threads).toBeGreaterThanOrEqual(1);
    if (i.backend === 'js') expect(i.isa).toBe('js');
    else expect(['avx512', 'avx2', 'neon', 'scalar']).toContain(i.isa);
  });

  it('createAdamWState allocates zeroed moments of the head shape', () => {
    const s = api.createAdamWState(5, 10);
    expect([s.mW.length, s.vW.length, s.mB.length, s.vB.length, s.step]).toEqual([50, 50, 10, 10, 0]);
  });

  it('out buffers are written and returned (no allocation)', () => {
    const out = new Float32Array(n);
    expect(api.cosineRows(a, b, dim, out)).toBe(out);
    const m = new Float32Array(n * n);
    expect(api.cosineMatrix(a, b, dim, m)).toBe(m);
    const probsOut = new Float32Array(n * bins), scoresOut = new Float32Array(n);
    const r = api.judgeHeadForward({ h: a, w, bias, dim, bins, probsOut, scoresOut });
    expect(r.probs).toBe(probsOut);
    expect(r.scores).toBe(scoresOut);
    expect(probsOut.subarray(0, bins).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 6);
  });

  it('empty inputs give empty outputs', () => {
    expect(api.cosineRows(new Float32Array(0), new Float32Array(0), 8).length).toBe(0);
    expect(api.cosineMatrix(new Float32Array(0), b, dim).length).toBe(0);
  });
});

describe('raw addon validates direct calls too', () => {
  const f = (len: number) => new Float32Array(len);
  const head = [f(n * dim), f(bins * dim), f(bins), null, dim, bins, null, null] as const;
  const rawTrain = (over: Record<string, unknown>) => ({
    ...batch, w: w.slice(), bias: bias.slice(), dim, bins, state: api.createAdamWState(dim, bins),
    lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, studentWeight: 0.3, klWeight: 2, ...over,
  });
  const rawCases: [string, (raw: api.RawAddon) => unknown, string][] = [
    ['cosineRows a', (raw) => raw.cosineRows([1] as never, b, dim), 'a'],
    ['cosineRows b', (raw) => raw.cosineRows(a, b.subarray(2), dim), 'b'],
    ['cosineRows dim', (raw) => raw.cosineRows(a, b, -2), 'dim'],
    ['cosineRows out', (raw) => raw.cosineRows(a, b, dim, f(1)), 'out'],
    ['cosineMatrix b', (raw) => raw.cosineMatrix(a, f(3), dim), 'b'],
    ['forward h', (raw) => raw.judgeHeadForward(f(3), head[1], head[2], null, dim, bins, null, null), 'h'],
    ['forward w', (raw) => raw.judgeHeadForward(head[0], f(1), head[2], null, dim, bins, null, null), 'w'],
    ['forward bias', (raw) => raw.judgeHeadForward(head[0], head[1], f(1), null, dim, bins, null, null), 'bias'],
    ['forward offset', (raw) => raw.judgeHeadForward(head[0], head[1], head[2], f(1), dim, bins, null, null), 'offset'],
    ['forward bins', (raw) => raw.judgeHeadForward(head[0], head[1], head[2], null, dim, 99, null, null), 'bins'],
    ['forward probsOut', (raw) => raw.judgeHeadForward(head[0], head[1], head[2], null, dim, bins, f(1), null), 'probsOut'],
    ['forward scoresOut', (raw) => raw.judgeHeadForward(head[0], head[1], head[2], null, dim, bins, null, f(9)), 'scoresOut'],
    ['train targets', (raw) => raw.judgeHeadTrainStep(rawTrain({ targets: f(1) })), 'targets'],
    ['train hStudent', (raw) => raw.judgeHeadTrainStep(rawTrain({ hStudent: f(1) })), 'hStudent'],
    ['train sampleWeights', (raw) => raw.judgeHeadTrainStep(rawTrain({ sampleWeights: f(7) })), 'sampleWeights'],
    ['train state', (raw) => raw.judgeHeadTrainStep(rawTrain({ state: null })), 'state'],
    ['train lr', (raw) => raw.judgeHeadTrainStep(rawTrain({ lr: NaN })), 'lr'],
    ['train NaN in hTeacher', (raw) => raw.judgeHeadTrainStep(rawTrain({ hTeacher: batch.hTeacher.map((v: number, i: number) => (i === 2 ? NaN : v)) })), 'hTeacher'],
  ];
  for (const [label, call, arg] of rawCases) {
    it(label, (ctx) => {
      const raw = needAddon(ctx);
      let err: unknown;
      try { call(raw); } catch (e) { err = e; }
      expect(err, 'expected a throw').toBeInstanceOf(Error);
      expect((err as { code?: string }).code).toBe('BAD_INPUT');
      expect((err as Error).message).toMatch(new RegExp(`\\b${arg.replace('.', '\\.')}\\b`));
    });
  }
});

// Results too large to allocate must be refused before allocating (issue 10: cosineMatrix 100000x1 against 100000x1
// without `out` aborted the process with "ArrayBuffer::New Allocation failed"). In a child, so an abort fails one test.
describe('results too large to allocate', () => {
  interface BigOut { results: { call: string; code?: string; argument?: string; name?: string; message?: string }[] }
  const check = (out: BigOut, raw: boolean) => {
    expect(out.results.length).toBeGreaterThanOrEqual(raw ? 4 : 3);
    for (const x of out.results) {
      expect(x.code, `${x.call}: ${x.name} ${x.message}`).toBe('BAD_INPUT');
      if (!raw) expect(x.name, x.call).toBe('NativeError');
      expect(x.message, x.call).toMatch(/elements|memory/);
    }
  };
  it('public API on the reference backend: BAD_INPUT, no allocation', () => {
    const r = runFixture('big-result.mjs', { SELFJ_NATIVE_BACKEND: 'js' });
    expect(r.signal, r.stderr.slice(-2000)).toBeNull();
    check(childJson<BigOut>(r), false);
  });
  it('public API and raw addon on the addon: BAD_INPUT, the process survives', (ctx) => {
    needAddon(ctx);
    const r = runFixture('big-result.mjs', { BIG_ADDON: ADDON_PATH });
    expect(r.signal, r.stderr.slice(-2000)).toBeNull();
    check(childJson<BigOut>(r), true);
  });
});
