/** Issue 13 B items 3 and 6: normalised labels weigh both parts as intended; records without an id are not one split. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COMBINE, PartStatsAccumulator, combine, describeCombine, normalizedShares, runLabel } from '../src/stages/index.js';
import { pearson } from '../src/stats/index.js';

/** z1 spread over the digits, z2 a cosine with a narrow spread (typical of sentence embedders), independent. */
function parts(n: number): [number[], number[]] {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const z1 = Array.from({ length: n }, () => 9 * rnd());
  const z2 = Array.from({ length: n }, () => 0.55 + 0.1 * rnd());
  return [z1, z2];
}

describe('label normalisation (item 3)', () => {
  it('with the default weights, z1 and z2 get equal shares on the common scale', () => {
    expect(normalizedShares(DEFAULT_COMBINE)).toEqual([0.5, 0.5]);
    // the raw-scale weights reused on z-scores (the old formula) would give z2 nine times the share of z1
    expect(normalizedShares({ ...DEFAULT_COMBINE, w1: 1, w2: 0 })).toEqual([1, 0]);
    expect(normalizedShares({ ...DEFAULT_COMBINE, z2Floor: null })).toEqual([4.5 / 13.5, 9 / 13.5]);
  });

  it('the normalised label correlates equally with both parts (was 0.09 with z1 and 0.99 with z2)', () => {
    const c = { ...DEFAULT_COMBINE, normalize: true };
    const [z1, z2] = parts(2000);
    const acc = new PartStatsAccumulator(c);
    z1.forEach((a, i) => acc.add(a, z2[i]));
    const stats = acc.stats();
    const z = z1.map((a, i) => combine(a, z2[i], c, stats));
    const r1 = pearson(z, z1);
    const r2 = pearson(z, z2);
    expect(Math.abs(r1 - r2)).toBeLessThan(0.05);
    expect(r1).toBeGreaterThan(0.65);
    expect(r2).toBeGreaterThan(0.65);
    // mapped back to the raw label's mean and spread (nothing clipped here)
    const mean = z.reduce((s, x) => s + x, 0) / z.length;
    const sd = Math.sqrt(z.reduce((s, x) => s + (x - mean) ** 2, 0) / z.length);
    expect(mean).toBeCloseTo(stats.meanZ, 6);
    expect(sd).toBeCloseTo(stats.stdZ, 6);
    expect(describeCombine(c)).toMatch(/shares 0\.5 and 0\.5 \(weights times part ranges 9 and 1\)/);
  });

  it('correlated parts: the combination is standardised with their correlation', () => {
    const c = { ...DEFAULT_COMBINE, normalize: true, clip: [-100, 100] as [number, number] };
    const [z1] = parts(500);
    const z2 = z1.map((a) => a / 9); // perfectly correlated
    const acc = new PartStatsAccumulator(c);
    z1.forEach((a, i) => acc.add(a, z2[i]));
    const s = acc.stats();
    expect(s.corr12).toBeCloseTo(1, 9);
    const z = z1.map((a, i) => combine(a, z2[i], c, s));
    const mean = z.reduce((t, x) => t + x, 0) / z.length;
    const sd = Math.sqrt(z.reduce((t, x) => t + (x - mean) ** 2, 0) / z.length);
    expect(sd).toBeCloseTo(s.stdZ, 6);
  });
});

describe('label --splits without ids (item 6)', () => {
  it('records without "id" are split by their own key (without the sample suffix), not all into one split', async () => {
    const d = mkdtempSync(join(tmpdir(), 'selfj-splits-'));
    const f = join(d, 'in.jsonl');
    const rows: string[] = [];
    for (let i = 0; i < 60; i++) for (const s of [0, 1]) rows.push(JSON.stringify({ key: `item-${i}#${s}`, sample: s, z1: 5, z2: 0.5 }));
    writeFileSync(f, `${rows.join('\n')}\n`);
    await runLabel({ dir: join(d, 'l'), input: f, config: DEFAULT_COMBINE, splits: { train: 0.5, test: 0.5 }, seed: 1 });
    const out = readFileSync(join(d, 'l', 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { key: string; split: string });
    const counts = out.reduce<Record<string, number>>((a, r) => ((a[r.split] = (a[r.split] ?? 0) + 1), a), {});
    expect(counts.train).toBeGreaterThan(30);
    expect(counts.test).toBeGreaterThan(30);
    // both samples of one instruction stay together
    for (let i = 0; i < out.length; i += 2) expect(out[i].split).toBe(out[i + 1].split);
  });
});
