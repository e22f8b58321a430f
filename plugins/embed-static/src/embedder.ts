/**
 * StaticEmbedder: sentence vectors as the (optionally weighted) mean of static word vectors, L2-normalised.
 * Out-of-vocabulary tokens are skipped; a text with no known token gets the ZERO vector (not normalisable), whose
 * cosine with anything is 0 by the @selfj/native contract. `lastOov` reports such texts for callers who care.
 */
import type { Embedder } from '@selfj/core';
import { SelfjError, throwIfAborted } from '@selfj/core';
import { dequantize, readTable, type WordVectorTable } from './format.js';
import { forEachToken, resolveToken } from './tokenize.js';
import { idfWeights, zipfWeights } from './weights.js';
import { loadCosineRows } from './cosine.js';

export type Weighting = 'none' | 'zipf' | 'idf';

export interface StaticEmbedderOptions {
  /** Path of a WVI8 table; default env SELFJ_VECTORS. Ignored when `table` is given. */
  path?: string;
  table?: WordVectorTable;
  /** Pooling weights: "none" (plain mean, default), "zipf" (SIF from frequency rank), "idf" (needs `idfCorpus`). */
  weighting?: Weighting;
  /** Documents to fit IDF on (weighting "idf"). */
  idfCorpus?: Iterable<string>;
  /** SIF constant for "zipf" (default 1e-3). */
  sifA?: number;
  /** Include punctuation tokens (default false). */
  punctuation?: boolean;
}

export class StaticEmbedder implements Embedder {
  readonly id: string;
  readonly dim: number;
  readonly vocabSize: number;
  /** Number of texts in the last embed() call that had no known token (they got the zero vector). */
  lastOov = 0;
  private readonly vectors: Float32Array;
  private readonly index: Map<string, number>;
  private readonly weights: Float32Array | null;
  private readonly punctuation: boolean;
  private readonly lookup = (w: string): number => this.index.get(w) ?? -1;

  constructor(table: WordVectorTable, options: StaticEmbedderOptions = {}, name = '<memory>') {
    this.dim = table.dim;
    this.vocabSize = table.words.length;
    this.vectors = dequantize(table);
    this.index = new Map();
    // First occurrence wins: it is the more frequent spelling in a frequency-ordered table.
    table.words.forEach((w, r) => {
      if (!this.index.has(w)) this.index.set(w, r);
    });
    this.punctuation = options.punctuation ?? false;
    const weighting = options.weighting ?? 'none';
    if (weighting === 'zipf') this.weights = zipfWeights(this.vocabSize, options.sifA);
    else if (weighting === 'idf') {
      if (!options.idfCorpus) {
        throw new SelfjError('BAD_CONFIG', 'weighting "idf" needs an idfCorpus (documents to count word frequencies in).', {
          solutions: ['Pass idfCorpus: an iterable of texts from your data', 'Or use weighting "zipf", which needs no corpus'],
        });
      }
      this.weights = idfWeights(options.idfCorpus, this.vocabSize, this.lookup, this.punctuation);
    } else if (weighting === 'none') this.weights = null;
    else throw new SelfjError('BAD_CONFIG', `Unknown weighting ${JSON.stringify(weighting)} (none | zipf | idf)`);
    this.id = `static:${name}#${weighting}`;
  }

  static async load(options: StaticEmbedderOptions = {}): Promise<StaticEmbedder> {
    if (options.table) return new StaticEmbedder(options.table, options);
    const path = options.path ?? process.env.SELFJ_VECTORS;
    if (!path) {
      throw new SelfjError('BAD_CONFIG', 'No word-vector table given to the static embedder.', {
        solutions: [
          'Run `selfj build-vectors` (one npm download) and pass the printed path as `path`, or set SELFJ_VECTORS to it.',
          'Or name the table in the embedder id: static:/path/to/vectors.i8.bin',
        ],
      });
    }
    return new StaticEmbedder(await readTable(path), options, path);
  }

  /** Row of a word in the table, or -1. */
  rowOf(word: string): number {
    return this.lookup(word);
  }

  /** Writes the embedding of `text` into out[offset .. offset+dim); returns the number of known tokens used. */
  embedInto(text: string, out: Float32Array, offset: number): number {
    const { dim, vectors, weights } = this;
    let known = 0;
    let total = 0;
    const emit = (row: number): void => {
      const w = weights ? weights[row] : 1;
      const base = row * dim;
      for (let d = 0; d < dim; d++) out[offset + d] += w * vectors[base + d];
      total += w;
      known++;
    };
    out.fill(0, offset, offset + dim);
    forEachToken(text, this.punctuation, (t) => {
      resolveToken(t, this.lookup, emit);
    });
    if (known === 0 || total === 0) return 0;
    // The mean's 1/total factor cancels under L2 normalisation; normalise directly.
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += out[offset + d] * out[offset + d];
    if (norm === 0) return known;
    const inv = 1 / Math.sqrt(norm);
    for (let d = 0; d < dim; d++) out[offset + d] *= inv;
    return known;
  }

  embedSync(texts: string[]): Float32Array {
    const out = new Float32Array(texts.length * this.dim);
    let oov = 0;
    for (let i = 0; i < texts.length; i++) if (this.embedInto(texts[i], out, i * this.dim) === 0) oov++;
    this.lastOov = oov;
    return out;
  }

  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    throwIfAborted(options.signal);
    return this.embedSync(texts);
  }

  /** cos(embed(a[i]), embed(b[i])) for each i, through @selfj/native cosineRows. */
  async similarity(a: string[], b: string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    if (a.length !== b.length) {
      throw new SelfjError('BAD_INPUT', `similarity needs equally long lists (got ${a.length} and ${b.length})`);
    }
    throwIfAborted(options.signal);
    const cosineRows = await loadCosineRows();
    if (a.length === 0) return new Float32Array(0);
    return cosineRows(this.embedSync(a), this.embedSync(b), this.dim);
  }

  async close(): Promise<void> {}
}
