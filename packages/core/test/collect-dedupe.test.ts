import { describe, expect, it } from 'vitest';
import { chooseBanding, Deduper, estimateJaccard, hashOut, MinHasher, normalizedHash64, U64HashSet } from '../src/collect/index.js';

const rec = (instruction: string, reference = 'ref') => ({ id: instruction, instruction, reference });

function words(n: number, seed: number): string[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return `w${x % 100000}`;
  });
}

/** Exact Jaccard of word 3-shingle sets. */
function jaccard(a: string[], b: string[]): number {
  const sh = (w: string[]) => new Set(w.slice(0, -2).map((_, i) => w.slice(i, i + 3).join(' ')));
  const A = sh(a);
  const B = sh(b);
  let inter = 0;
  for (const s of A) if (B.has(s)) inter++;
  return inter / (A.size + B.size - inter);
}

describe('U64HashSet', () => {
  it('stores 64-bit keys exactly through growth, including (0,0)', () => {
    const s = new U64HashSet(4);
    let added = 0;
    let found = 0;
    for (let i = 1; i <= 50_000; i++) if (s.add(i * 7919, i)) added++;
    for (let i = 1; i <= 50_000; i++) if (s.has(i * 7919, i) && !s.add(i * 7919, i)) found++;
    expect(added).toBe(50_000);
    expect(found).toBe(50_000);
    expect(s.size).toBe(50_000);
    expect(s.has(1, 50_001)).toBe(false);
    expect(s.add(0, 0)).toBe(true);
    expect(s.add(0, 0)).toBe(false);
    expect(s.add(123, 0)).toBe(true);
    expect(s.has(0xffffffff, 0xffffffff)).toBe(false);
    expect(s.add(0xffffffff, 0xffffffff)).toBe(true);
    expect(s.has(-1, -1)).toBe(true); // same bits as 0xffffffff
    expect(s.bytes).toBeLessThan(((50_003 / 0.7) * 1.5 + 32) * 8);
  });
});

describe('U64HashSet probe / insertAt', () => {
  it('inserts at probed slots, and falls back when a slot was taken meanwhile', () => {
    const s = new U64HashSet(16);
    s.reserve(2);
    const a = s.probe(1, 2);
    const b = s.probe(3, 4);
    expect(a).toBeLessThan(0);
    expect(b).toBeLessThan(0);
    s.insertAt(-a - 1, 1, 2);
    s.insertAt(-a - 1, 3, 4); // same slot on purpose: must not overwrite (1, 2)
    expect(s.has(1, 2)).toBe(true);
    expect(s.has(3, 4)).toBe(true);
    expect(s.probe(1, 2)).toBeGreaterThanOrEqual(0);
    expect(s.size).toBe(2);
  });
});

describe('normalised exact hash', () => {
  const h = (a: string, b?: string) => {
    normalizedHash64(a, b);
    return `${hashOut.hi}:${hashOut.lo}`;
  };
  it('is computed by MinHasher.scan on the side, with the same value', () => {
    const mh = new MinHasher();
    for (const t of ['Hello   World', '  hello world\n', 'a,b;c', '\u00a0 x \u3000y ', 'one', '', ' ,; ', 'Ünï — cödé “x”']) {
      const s = t.toLowerCase();
      normalizedHash64(s, undefined, true);
      const expected = `${hashOut.hi}:${hashOut.lo}`;
      mh.scan(s);
      expect(`${hashOut.hi}:${hashOut.lo}`).toBe(expected);
    }
  });
  it('ignores case and whitespace runs, not content or the field boundary', () => {
    expect(h('Hello   World')).toBe(h('  hello world\n'));
    expect(h('Hello\u00a0\tWorld')).toBe(h('hello world'));
    expect(h('Hello World')).not.toBe(h('Hello World!'));
    expect(h('HelloWorld')).not.toBe(h('Hello World'));
    expect(h('ab', 'c')).not.toBe(h('a', 'bc'));
    expect(h('a', 'b')).toBe(h(' A ', 'B '));
  });
});

describe('MinHash + LSH', () => {
  it('estimates Jaccard similarity of known pairs', () => {
    const mh = new MinHasher({ numPerm: 256 });
    const base = words(200, 1);
    for (const changed of [0, 10, 40, 100]) {
      const other = base.slice();
      for (let i = 0; i < changed; i++) other[(i * 37) % 200] = `x${i}`;
      const a = Uint32Array.from(mh.signature(base.join(' ')) as Uint32Array);
      const b = Uint32Array.from(mh.signature(other.join(' ')) as Uint32Array);
      expect(Math.abs(estimateJaccard(a, b) - jaccard(base, other))).toBeLessThan(0.1);
    }
    expect(mh.signature(' ,;: ')).toBeNull();
  });

  it('signs the same with the WebAssembly SIMD kernel as with the JS loop (any bins, long texts)', () => {
    const texts = [
      ...Array.from({ length: 300 }, (_, i) => words(3 + (i % 90), i + 500).join(' ')),
      'a',
      'a b',
      'Ünïcödé — text, with “punctuation” and 中文字符 too',
      words(20_000, 7).join(' '), // grows the kernel's memory
      words(30, 8).join(' '), // and signs a short text after that
    ];
    for (const [numPerm, bins] of [[32, 30], [32, 32], [30, 30], [7, 5], [256, 256]]) {
      const simd = new MinHasher({ numPerm });
      const js = new MinHasher({ numPerm }, false);
      // The kernel must really run: without @selfj/native's minhash.wasm both would be the JS loop and agree trivially.
      expect(simd.simd, 'the WebAssembly SIMD kernel did not load: build it with npx nx run @selfj/native:build').toBe(true);
      expect(js.simd).toBe(false);
      for (const t of texts) {
        const s = t.toLowerCase();
        expect(simd.scan(s)).toBe(js.scan(s));
        expect(Array.from(simd.sign(bins))).toEqual(Array.from(js.sign(bins)));
      }
      expect(Array.from(simd.signature(texts[0]) as Uint32Array)).toEqual(Array.from(js.signature(texts[0]) as Uint32Array));
    }
  });

  it('chooses banding around the threshold', () => {
    const b = chooseBanding(64, 0.7);
    expect(b.bands * b.rows).toBeLessThanOrEqual(64);
    expect(Math.abs(Math.pow(1 / b.bands, 1 / b.rows) - 0.7)).toBeLessThan(0.05);
    expect(chooseBanding(128, 0.9).rows).toBeGreaterThan(chooseBanding(128, 0.5).rows);
  });

  it('flags near duplicates above the threshold and keeps clearly different texts', () => {
    let hitsHigh = 0;
    let hitsLow = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const d = new Deduper({ exact: false, near: { threshold: 0.7 } }, 16);
      const base = words(60, t + 10);
      const near = base.slice();
      near[55] = 'changed'; // J ~ 0.9
      const far = base.slice();
      for (let i = 0; i < 60; i += 3) far[i] = `y${i}`; // J ~ 0
      expect(d.check(rec(base.join(' ')))).toBeNull();
      if (d.check(rec(near.join(' '))) === 'duplicate-near') hitsHigh++;
      if (d.check(rec(far.join(' '))) === 'duplicate-near') hitsLow++;
    }
    expect(hitsHigh / trials).toBeGreaterThan(0.95);
    expect(hitsLow / trials).toBeLessThan(0.02);
  });
});

describe('LSH on short texts', () => {
  it('follows the S-curve 1 - (1 - J^rows)^bands even for 10-word texts (independent bins)', () => {
    const trials = 400;
    let hits = 0;
    for (let t = 0; t < trials; t++) {
      const d = new Deduper({ exact: false }, 16); // defaults: 32 bins, 6 bands x 5 rows
      const w = words(10, t + 1000);
      const v = w.slice();
      v[5] = 'changed'; // 3 of 8 shingles change: J = 5/11
      d.check(rec(w.join(' ')));
      if (d.check(rec(v.join(' '))) === 'duplicate-near') hits++;
    }
    const expected = 1 - (1 - (5 / 11) ** 5) ** 6; // ~0.107
    expect(Math.abs(hits / trials - expected)).toBeLessThan(0.06);
  });
});

describe('Deduper', () => {
  it('drops exact duplicates after normalisation, keeping the first', () => {
    const d = new Deduper({ near: false });
    expect(d.check(rec('What is the capital of France?'))).toBeNull();
    expect(d.check(rec('  what is the CAPITAL of france? '))).toBe('duplicate-exact');
    expect(d.check(rec('What is the capital of Spain?'))).toBeNull();
    expect(d.usage.exactKeys).toBe(2);
  });

  it('keys on instruction by default, on both fields when configured', () => {
    const byIns = new Deduper({ near: false });
    const both = new Deduper({ near: false, key: 'instruction+reference' });
    for (const d of [byIns, both]) expect(d.check(rec('Tell me a joke.', 'A'))).toBeNull();
    expect(byIns.check(rec('Tell me a joke.', 'B'))).toBe('duplicate-exact');
    expect(both.check(rec('Tell me a joke.', 'B'))).toBeNull();
    expect(both.check(rec('tell me a joke.', 'B'))).toBe('duplicate-exact');
  });

  it('reports near duplicates separately and can be disabled', () => {
    const text = words(40, 99);
    const d = new Deduper({});
    expect(d.check(rec(text.join(' ')))).toBeNull();
    expect(d.check(rec(text.join(' ') + ' extra'))).toBe('duplicate-near');
    const off = new Deduper({ near: { enabled: false } });
    off.check(rec(text.join(' ')));
    expect(off.check(rec(text.join(' ') + ' extra'))).toBeNull();
    expect(off.banding).toBeNull();
  });
});
