import { describe, expect, it } from 'vitest';
import { BINS, DEFAULT_COMBINE, PartStatsAccumulator, combine, describeCombine, logOffset, twoHot } from '../src/stages/index.js';

describe('twoHot', () => {
  it('spreads z over its two neighbouring bins (hand-computed)', () => {
    const t = twoHot(6.3);
    expect(t[6]).toBeCloseTo(0.7, 6);
    expect(t[7]).toBeCloseTo(0.3, 6);
    expect(t.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
    expect(Array.from(t).filter((x) => x !== 0)).toHaveLength(2);
  });
  it('has expectation exactly z, including the ends', () => {
    for (const z of [0, 0.25, 4.5, 8.999, 9]) {
      const t = twoHot(z);
      expect(t.reduce((s, p, k) => s + k * p, 0)).toBeCloseTo(z, 6);
    }
    expect(Array.from(twoHot(9))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(twoHot(0))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(twoHot(12)[9]).toBe(1); // clipped into range
  });
  it('rejects a non-finite label', () => {
    expect(() => twoHot(Number.NaN)).toThrow(/finite/);
  });
});

describe('combine', () => {
  it('default: (z1 + 9 max(z2, 0)) / 2 clipped to [0, 9]', () => {
    expect(combine(6, 0.8)).toBeCloseTo((6 + 7.2) / 2, 12);
    expect(combine(4, -0.5)).toBeCloseTo(2, 12); // negative cosine floored at 0
    expect(combine(9, 1)).toBe(9);
    expect(describeCombine(DEFAULT_COMBINE)).toBe('0.5 * z1 + 4.5 * max(z2, 0), clipped to [0, 9]');
  });
  it('weights, bias, floor and clip are configurable', () => {
    const c = { ...DEFAULT_COMBINE, w1: 1, w2: 0, bias: 1, z2Floor: null, clip: [0, 5] as [number, number] };
    expect(combine(3, 0.5, c)).toBe(4);
    expect(combine(7, 0.5, c)).toBe(5);
    expect(combine(2, -1, { ...DEFAULT_COMBINE, z2Floor: null, clip: [-9, 9] })).toBeCloseTo(1 - 4.5, 12);
  });
  it('z-normalisation maps standardised parts back to the label scale', () => {
    const c = { ...DEFAULT_COMBINE, normalize: true, w1: 1, w2: 1 };
    const acc = new PartStatsAccumulator(c);
    const data: [number, number][] = [
      [2, 0.2],
      [4, 0.4],
      [6, 0.6],
    ];
    for (const [a, b] of data) acc.add(a, b);
    const s = acc.stats();
    expect(s.mean1).toBeCloseTo(4, 12);
    expect(s.mean2).toBeCloseTo(0.4, 12);
    // The middle item is average on both parts: it gets the mean of w1 z1 + w2 z2 = 4.4.
    expect(combine(4, 0.4, c, s)).toBeCloseTo(4.4, 10);
    expect(combine(6, 0.6, c, s)).toBeGreaterThan(combine(4, 0.4, c, s));
    expect(() => combine(1, 1, c)).toThrow(/statistics/);
  });
});

describe('logOffset', () => {
  it('is the log of the renormalised distribution, with zeros floored', () => {
    const o = logOffset([0.5, 0.25, 0.25, 0, 0, 0, 0, 0, 0, 0]);
    expect(o).toHaveLength(BINS);
    expect(o[0]).toBeCloseTo(Math.log(0.5), 6);
    expect(o[3]).toBeCloseTo(Math.log(1e-30), 3);
    const o2 = logOffset([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]); // unnormalised input
    expect(o2[0]).toBeCloseTo(Math.log(0.5), 6);
  });
});
