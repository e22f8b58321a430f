import { describe, expect, it } from 'vitest';
import { pearsonInterval, Z_975 } from '../src/stats/index.js';

// Hand-computed. With t = e^{2 atanh(r)} = (1 + r) / (1 - r) and c = z / sqrt(n - 3), the bounds are
// tanh(atanh(r) -+ c) = (t e^{-+2c} - 1) / (t e^{-+2c} + 1).
describe('pearsonInterval (Fisher z)', () => {
  it('r = 0.5, n = 28: t = 3, c = 1.959964 / 5 = 0.391993, e^{-2c} = 0.456583, e^{2c} = 2.190184', () => {
    // low = (3 * 0.456583 - 1) / (3 * 0.456583 + 1) = 0.369749 / 2.369749; high = (6.570552 - 1) / (6.570552 + 1)
    const ci = pearsonInterval(0.5, 28)!;
    expect(ci.low).toBeCloseTo(0.369749 / 2.369749, 6);
    expect(ci.high).toBeCloseTo(5.570552 / 7.570552, 6);
    expect(ci.low).toBeCloseTo(0.156028, 6);
    expect(ci.high).toBeCloseTo(0.735818, 6);
  });

  it('r = 0.5 over 10 items is not told apart from 0; r = 0.2 over 100 items is (docs/reports.md)', () => {
    // n = 10: c = 1.959964 / sqrt(7) = 0.740797; e^{-2c} = 0.227275 -> low = (0.681826 - 1) / (0.681826 + 1) = -0.189184,
    // high = (3 * 4.399951 - 1) / (3 * 4.399951 + 1) = 12.199854 / 14.199854 = 0.859153
    const ten = pearsonInterval(0.5, 10)!;
    expect(ten.low).toBeCloseTo(-0.189184, 5);
    expect(ten.high).toBeCloseTo(0.859153, 5);
    // n = 100: t = 1.2 / 0.8 = 1.5, c = 1.959964 / sqrt(97) = 0.199004; e^{-2c} = 0.671656 -> low = 0.007485 / 2.007485
    const hundred = pearsonInterval(0.2, 100)!;
    expect(hundred.low).toBeCloseTo(0.007485 / 2.007485, 6);
    expect(hundred.low).toBeGreaterThan(0);
    expect(hundred.high).toBeCloseTo(0.381434, 5);
  });

  it('is symmetric in r, takes another level, and has no interval without a standard error or a correlation', () => {
    const a = pearsonInterval(0.3, 50)!;
    const b = pearsonInterval(-0.3, 50)!;
    expect(b.low).toBeCloseTo(-a.high, 14);
    expect(b.high).toBeCloseTo(-a.low, 14);
    // r = 0, n = 4: se = 1, so the 95% bounds are +-tanh(1.959964) = +-0.961087
    expect(pearsonInterval(0, 4)).toEqual({ low: -Math.tanh(Z_975), high: Math.tanh(Z_975) });
    expect(pearsonInterval(0, 4)!.high).toBeCloseTo(0.961087, 6);
    // a 90% interval (z = 1.644854) is narrower
    const ninety = pearsonInterval(0.5, 28, 1.6448536269514722)!;
    expect(ninety.low).toBeGreaterThan(0.156028);
    expect(ninety.high).toBeLessThan(0.735818);
    expect(pearsonInterval(0.9, 3)).toBeUndefined();
    expect(pearsonInterval(NaN, 100)).toBeUndefined();
    const one = pearsonInterval(1, 30)!;
    expect(one.high).toBeCloseTo(1, 9);
    expect(one.low).toBeGreaterThan(0.99);
  });
});
