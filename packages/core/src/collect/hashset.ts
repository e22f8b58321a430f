/**
 * A set of 64-bit keys (hi, lo u32 pairs) in two Uint32Arrays with linear probing: 8 bytes per slot, no strings,
 * no per-entry objects. The slot comes from a mix of both halves by multiply-shift range reduction (so even
 * sequential keys spread out), and capacity need not be a power of two and the table grows by 1.5x (not 2x) when the load passes 0.7, which keeps peak memory low.
 * Key (0,0) marks an empty slot, so it is stored as (0,1) (a 2^-64 blur, harmless for dedupe).
 */
import { fmix32 } from './hash.js';

export class U64HashSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private cap: number;
  private scale: number;
  private count = 0;

  constructor(expected = 1024) {
    this.cap = Math.max(16, Math.ceil(expected / 0.7));
    this.hi = new Uint32Array(this.cap);
    this.lo = new Uint32Array(this.cap);
    this.scale = this.cap / 4294967296;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.cap * 8;
  }

  has(hi: number, lo: number): boolean {
    return this.probe(hi, lo) >= 0;
  }

  /** Adds the key; returns true when it was not there before. */
  add(hi: number, lo: number): boolean {
    if (this.count + 1 > this.cap * 0.7) this.grow();
    const slot = this.probe(hi, lo);
    if (slot >= 0) return false;
    this.store(-slot - 1, hi, lo);
    return true;
  }

  /**
   * Slot of the key: >= 0 when present, or -(slot + 1) for the empty slot where it would go. Pair with `insertAt`
   * to test several keys first and insert them all without probing twice (call `reserve` before).
   */
  probe(hi: number, lo: number): number {
    hi >>>= 0;
    lo >>>= 0;
    if (hi === 0 && lo === 0) lo = 1;
    const cap = this.cap;
    let i = (fmix32(lo ^ Math.imul(hi, 0x9e3779b1)) * this.scale) >>> 0;
    for (;;) {
      const h = this.hi[i];
      const l = this.lo[i];
      if (h === 0 && l === 0) return -(i + 1);
      if (h === hi && l === lo) return i;
      if (++i === cap) i = 0;
    }
  }

  /** Stores a key at the empty slot `probe` returned; if that slot was taken since, falls back to `add`. */
  insertAt(slot: number, hi: number, lo: number): void {
    if (this.hi[slot] === 0 && this.lo[slot] === 0 && this.count + 1 <= this.cap * 0.7) this.store(slot, hi, lo);
    else this.add(hi, lo);
  }

  private store(slot: number, hi: number, lo: number): void {
    hi >>>= 0;
    lo >>>= 0;
    this.hi[slot] = hi;
    this.lo[slot] = hi === 0 && lo === 0 ? 1 : lo;
    this.count++;
  }

  /** Grows now if `n` more keys would pass the load limit (so probe slots stay valid for `insertAt`). */
  reserve(n: number): void {
    while (this.count + n > this.cap * 0.7) this.grow();
  }

  private grow(): void {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.cap = Math.ceil(this.cap * 1.5);
    this.scale = this.cap / 4294967296;
    this.hi = new Uint32Array(this.cap);
    this.lo = new Uint32Array(this.cap);
    this.count = 0;
    for (let j = 0; j < oldHi.length; j++) {
      if (oldHi[j] !== 0 || oldLo[j] !== 0) this.add(oldHi[j], oldLo[j]);
    }
  }
}
