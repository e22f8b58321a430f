import { describe, expect, it, beforeAll } from 'vitest';
import { isSelfjError } from '@selfj/core';
import plugin, { StaticEmbedder, fallbackCosineRows, quantizeRows, tokenize } from '../src/index.js';
import { loadCosineRows } from '../src/cosine.js';
import { requireVectors } from './helpers.js';

let emb: StaticEmbedder;
beforeAll(async () => {
  emb = await StaticEmbedder.load({ path: requireVectors() });
});

const CAT_A = 'The cat sat on the mat.';
const CAT_B = 'A kitten was sitting on the rug.';
const KING = 'The king ruled the country.';
const BANANA = 'I ate a banana for breakfast.';

describe('StaticEmbedder on the real GloVe table', () => {
  it('loads 20k x 100 and returns L2-normalised rows', async () => {
    expect(emb.dim).toBe(100);
    expect(emb.vocabSize).toBe(20000);
    const v = await emb.embed([CAT_A, KING]);
    expect(v.length).toBe(200);
    for (let i = 0; i < 2; i++) {
      let n = 0;
      for (let d = 0; d < 100; d++) n += v[i * 100 + d] ** 2;
      expect(Math.sqrt(n)).toBeCloseTo(1, 5);
    }
  });

  it('ranks the cat/kitten pair well above the king/banana pair', async () => {
    const [cat, king] = await emb.similarity([CAT_A, KING], [CAT_B, BANANA]);
    expect(cat).toBeGreaterThan(0.85);
    expect(king).toBeLessThan(0.7);
    expect(cat - king).toBeGreaterThan(0.25);
  });

  it('gives 1 for identical texts and is case-insensitive', async () => {
    const s = await emb.similarity([CAT_A, 'Hello World'], [CAT_A, 'hello world']);
    expect(s[0]).toBeCloseTo(1, 5);
    expect(s[1]).toBeCloseTo(1, 5);
  });

  it('skips OOV tokens, and an all-OOV text is the zero vector with cosine 0', async () => {
    const v = await emb.embed(['zzqxv blorptang', 'the cat zzqxv']);
    expect(emb.lastOov).toBe(1);
    expect(Array.from(v.subarray(0, 100)).every((x) => x === 0)).toBe(true);
    const [withOov] = await emb.similarity(['the cat zzqxv'], ['the cat']);
    expect(withOov).toBeCloseTo(1, 5);
    const [zero] = await emb.similarity(['zzqxv'], [CAT_A]);
    expect(zero).toBe(0);
    const [empty] = await emb.similarity([''], ['']);
    expect(empty).toBe(0);
  });

  it('expands clitics and small numbers instead of dropping them', async () => {
    expect(emb.rowOf("n't")).toBe(-1);
    const [s] = await emb.similarity(["I don't like it"], ['I do not like it']);
    expect(s).toBeCloseTo(1, 5);
    const [n] = await emb.similarity(['3 cats'], ['three cats']);
    expect(n).toBeCloseTo(1, 5);
  });

  it('zipf weighting down-weights function words', async () => {
    const z = await StaticEmbedder.load({ path: requireVectors(), weighting: 'zipf' });
    // Two texts sharing only stop words look much less alike once those are down-weighted.
    const a = 'the of and to in cat';
    const b = 'the of and to in banana';
    const [plain] = await emb.similarity([a], [b]);
    const [weighted] = await z.similarity([a], [b]);
    expect(weighted).toBeLessThan(plain - 0.2);
    expect(z.id).toContain('#zipf');
  });

  it('idf weighting is fitted from a user corpus and requires one', async () => {
    await expect(StaticEmbedder.load({ path: requireVectors(), weighting: 'idf' })).rejects.toSatisfy((e: unknown) =>
      isSelfjError(e, 'BAD_CONFIG'),
    );
    const corpus = ['the cat', 'the dog', 'the bird', 'the fish', 'a cat and a dog'];
    const idf = await StaticEmbedder.load({ path: requireVectors(), weighting: 'idf', idfCorpus: corpus });
    const [s] = await idf.similarity(['the cat'], ['the dog']);
    const [p] = await emb.similarity(['the cat'], ['the dog']);
    expect(s).toBeLessThan(p); // "the" is in every document, so it counts least
  });

  it('computes similarity through @selfj/native cosineRows, matching the JS loop', async () => {
    const native = (await import('@selfj/native')) as unknown as { cosineRows: unknown };
    expect(await loadCosineRows()).toBe(native.cosineRows);
    const a = [CAT_A, KING, 'zzqxv'];
    const b = [CAT_B, BANANA, CAT_A];
    const s = await emb.similarity(a, b);
    const ref = fallbackCosineRows(emb.embedSync(a), emb.embedSync(b), emb.dim);
    for (let i = 0; i < 3; i++) expect(s[i]).toBeCloseTo(ref[i], 5);
  });

  it('the plugin object exposes the static factory: static:<path>, or the path option', async () => {
    expect(plugin.name).toBe('@selfj/embed-static');
    const ctx = { registry: undefined as never, policy: () => Promise.reject(new Error('no policy')) };
    const byId = await plugin.embedders.static(requireVectors(), {}, ctx);
    expect(byId.dim).toBe(100);
    const byOption = await plugin.embedders.static('default', { path: requireVectors() }, ctx);
    expect(byOption.dim).toBe(100);
    const [a, b] = [await byId.embed(['a small cat']), await byOption.embed(['a small cat'])];
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('with no table anywhere it says how to get one (and builds one only when asked)', async () => {
    const saved = { v: process.env.SELFJ_VECTORS, x: process.env.XDG_CACHE_HOME };
    delete process.env.SELFJ_VECTORS;
    process.env.XDG_CACHE_HOME = '/nonexistent-selfj-cache';
    try {
      const ctx = { registry: undefined as never, policy: () => Promise.reject(new Error('no policy')) };
      const err = await plugin.embedders.static('default', {}, ctx).catch((e) => e);
      expect(err.code).toBe('BAD_CONFIG');
      expect(err.message).toMatch(/selfj build-vectors/);
    } finally {
      if (saved.v === undefined) delete process.env.SELFJ_VECTORS;
      else process.env.SELFJ_VECTORS = saved.v;
      if (saved.x === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved.x;
    }
  });
});

describe('pieces', () => {
  it('tokenizes unicode words, hyphens, apostrophes and optional punctuation', () => {
    expect(tokenize('Héllo, WORLD! well-known café 42')).toEqual(['héllo', 'world', 'well-known', 'café', '42']);
    expect(tokenize("It's fine.", { punctuation: true })).toEqual(["it's", 'fine', '.']);
    expect(tokenize('Привет мир 東京')).toEqual(['привет', 'мир', '東京']);
  });

  it('similarity on a synthetic table matches the JS cosine; mismatched lists are a typed error', async () => {
    const t = quantizeRows(['a', 'b', 'c'], new Float32Array([1, 0, 0, 1, 1, 1]), 2);
    const e = new StaticEmbedder(t);
    const s = await e.similarity(['a', 'a b'], ['b', 'c']);
    expect(s[0]).toBeCloseTo(0, 5);
    expect(s[1]).toBeCloseTo(1, 5);
    const ref = fallbackCosineRows(e.embedSync(['a', 'a b']), e.embedSync(['b', 'c']), 2);
    expect(Array.from(s)).toEqual(Array.from(ref).map((x) => expect.closeTo(x, 6)));
    await expect(e.similarity(['a'], [])).rejects.toSatisfy((err: unknown) => isSelfjError(err, 'BAD_INPUT'));
  });
});
