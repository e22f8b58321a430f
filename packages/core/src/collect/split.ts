/**
 * Deterministic, stratified train/test split and per-category sampling, decided by id hashes only, so the result
 * does not depend on source order, batching or sharding.
 *
 * While records stream in, the planner keeps 9 bytes per kept record (split hash, sample hash, category index).
 * At the end, per category: sampling keeps the N records with the smallest sample hash (a bottom-N "reservoir"
 * by hash), and of those, the round(test * n) with the smallest split hash form the test set. Ties on a hash
 * value are broken by arrival order.
 */
import { hash32, saltOf } from './hash.js';

export type Assignment = 0 | 1 | 2; // 0 = sampled out, 1 = train, 2 = test

export interface SplitPlan {
  /** Assignment per kept record, in arrival order. */
  assignments: Uint8Array;
  perCategory: Map<string, { kept: number; sampledOut: number; train: number; test: number }>;
}

export class SplitPlanner {
  private splitHash = new Uint32Array(1024);
  private sampleHash = new Uint32Array(1024);
  private cat = new Uint8Array(1024);
  private n = 0;
  private readonly categories: string[] = [];
  private readonly catIndex = new Map<string, number>();
  private readonly splitSalt: number;
  private readonly sampleSalt: number;

  constructor(splitSeed = 'selfj', sampleSeed = 'selfj') {
    this.splitSalt = saltOf(`split:${splitSeed}`);
    this.sampleSalt = saltOf(`sample:${sampleSeed}`);
  }

  get size(): number {
    return this.n;
  }

  /** Split hash of the i-th added record. */
  splitHashAt(i: number): number {
    return this.splitHash[i];
  }

  /** Adds a kept record; returns its arrival index. */
  add(id: string, category: string): number {
    let c = this.catIndex.get(category);
    if (c === undefined) {
      c = this.categories.length;
      if (c === 255) throw new RangeError('collect supports at most 255 categories');
      this.categories.push(category);
      this.catIndex.set(category, c);
    }
    if (this.n === this.splitHash.length) this.grow();
    this.splitHash[this.n] = hash32(id, this.splitSalt);
    this.sampleHash[this.n] = hash32(id, this.sampleSalt);
    this.cat[this.n] = c;
    return this.n++;
  }

  private grow(): void {
    const cap = this.n * 2;
    const s = new Uint32Array(cap);
    s.set(this.splitHash);
    this.splitHash = s;
    const m = new Uint32Array(cap);
    m.set(this.sampleHash);
    this.sampleHash = m;
    const c = new Uint8Array(cap);
    c.set(this.cat);
    this.cat = c;
  }

  /**
   * @param testFraction share of each category's (sampled) records that go to test
   * @param limit max records per category (undefined = all)
   */
  plan(testFraction: number, limit?: (category: string) => number | undefined): SplitPlan {
    const assignments = new Uint8Array(this.n);
    const perCategory = new Map<string, { kept: number; sampledOut: number; train: number; test: number }>();
    // Bucket record indices by category.
    const counts = new Uint32Array(this.categories.length);
    for (let i = 0; i < this.n; i++) counts[this.cat[i]]++;
    const members = Array.from(counts, (k) => new Uint32Array(k));
    const fill = new Uint32Array(this.categories.length);
    for (let i = 0; i < this.n; i++) {
      const c = this.cat[i];
      members[c][fill[c]++] = i;
    }
    this.categories.forEach((name, c) => {
      const idx = members[c];
      const cap = limit?.(name);
      const sampled = cap === undefined || cap >= idx.length ? idx : smallestBy(idx, this.sampleHash, Math.max(0, cap));
      const nTest = Math.round(testFraction * sampled.length);
      for (let k = 0; k < sampled.length; k++) assignments[sampled[k]] = 1;
      const test = smallestBy(sampled, this.splitHash, nTest);
      for (let k = 0; k < test.length; k++) assignments[test[k]] = 2;
      perCategory.set(name, { kept: idx.length, sampledOut: idx.length - sampled.length, train: sampled.length - nTest, test: nTest });
    });
    return { assignments, perCategory };
  }
}

/** The `k` indices (from `idx`, ascending arrival order) with the smallest key; ties by arrival order. */
function smallestBy(idx: Uint32Array, key: Uint32Array, k: number): Uint32Array {
  if (k >= idx.length) return idx;
  if (k === 0) return new Uint32Array(0);
  const keys = new Uint32Array(idx.length);
  for (let j = 0; j < idx.length; j++) keys[j] = key[idx[j]];
  const sorted = keys.slice().sort();
  const threshold = sorted[k - 1];
  let below = 0;
  for (let j = 0; j < k; j++) if (sorted[j] < threshold) below++;
  let ties = k - below;
  const res = new Uint32Array(k);
  let r = 0;
  for (let j = 0; j < idx.length; j++) {
    const v = keys[j];
    if (v < threshold || (v === threshold && ties-- > 0)) res[r++] = idx[j];
  }
  return res;
}
