import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSelfjError } from '@selfj/core';
import { decodeTable, dequantize, encodeTable, quantizeRows, readTable, tableFromWinkJson, writeTable, StaticEmbedder } from '../src/index.js';
import { requireVectors } from './helpers.js';

function synthetic(n: number, dim: number): { words: string[]; floats: Float32Array } {
  const words = Array.from({ length: n }, (_, i) => (i === 3 ? 'naïve' : `w${i}`));
  const floats = new Float32Array(n * dim);
  for (let i = 0; i < floats.length; i++) floats[i] = Math.sin(i * 1.7) * (1 + (i % 5));
  return { words, floats };
}

describe('WVI8 format', () => {
  it('round-trips a synthetic table through write and read, within int8 precision', async () => {
    const { words, floats } = synthetic(50, 7);
    const t = quantizeRows(words, floats, 7);
    const dir = await mkdtemp(join(tmpdir(), 'wvi8-'));
    const path = join(dir, 't.i8.bin');
    await writeTable(path, t);
    const back = await readTable(path);
    expect(back.words).toEqual(words);
    expect(back.dim).toBe(7);
    expect(Array.from(back.q)).toEqual(Array.from(t.q));
    const deq = dequantize(back);
    for (let r = 0; r < 50; r++) {
      const scale = back.scales[r];
      for (let d = 0; d < 7; d++) expect(Math.abs(deq[r * 7 + d] - floats[r * 7 + d])).toBeLessThanOrEqual(scale / 2 + 1e-6);
    }
  });

  it('reads the shared table and re-encodes it byte for byte', async () => {
    const buf = await readFile(requireVectors());
    const t = decodeTable(buf);
    expect(t.words[0]).toBe('the');
    expect(Buffer.from(encodeTable(t)).equals(buf)).toBe(true);
  });

  it('bad magic, truncation and trailing bytes are ARTIFACT_CORRUPT; a missing file is NOT_FOUND', async () => {
    const good = encodeTable(quantizeRows(['a', 'b'], new Float32Array([1, 2, 3, 4]), 2));
    const bad = good.slice();
    bad[0] = 0x58;
    const expectCode = (f: () => unknown, code: string, text: RegExp) => {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isSelfjError(e)).toBe(true);
        expect((e as { code: string }).code).toBe(code);
        expect((e as Error).message).toMatch(text);
      }
    };
    expectCode(() => decodeTable(bad), 'ARTIFACT_CORRUPT', /bad magic/);
    expectCode(() => decodeTable(good.subarray(0, good.length - 1)), 'ARTIFACT_CORRUPT', /truncated/);
    expectCode(() => decodeTable(good.subarray(0, 10)), 'ARTIFACT_CORRUPT', /truncated header/);
    expectCode(() => decodeTable(new Uint8Array([...good, 0])), 'ARTIFACT_CORRUPT', /trailing/);
    const dir = await mkdtemp(join(tmpdir(), 'wvi8-'));
    await writeFile(join(dir, 'cut.bin'), good.subarray(0, 30));
    await expect(StaticEmbedder.load({ path: join(dir, 'cut.bin') })).rejects.toSatisfy((e: unknown) => isSelfjError(e, 'ARTIFACT_CORRUPT'));
    await expect(readTable(join(dir, 'missing.bin'))).rejects.toSatisfy((e: unknown) => isSelfjError(e, 'NOT_FOUND'));
  });

  it('converts wink-style JSON: frequency order, top N, skips incomplete entries', () => {
    const json = {
      dimensions: 3,
      words: ['the', 'bad\nword', 'short', 'cat', 'dog', 'emu'],
      vectors: {
        the: [1, 0, 0, 1, 0], // extra slots (norm, index) are ignored
        'bad\nword': [0, 0, 1],
        short: [1],
        cat: [0, 2, 0],
        dog: [0, 0, -4],
        emu: [1, 1, 1],
      },
    };
    const t = tableFromWinkJson(json, 3);
    expect(t.words).toEqual(['the', 'cat', 'dog']);
    expect(Array.from(dequantize(t))).toEqual([1, 0, 0, 0, 2, 0, 0, 0, -4].map((x) => expect.closeTo(x, 5)));
    expect(() => tableFromWinkJson({} as never, 3)).toThrow(/vectors/);
  });
});
