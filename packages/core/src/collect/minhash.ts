/**
 * Near-duplicate detection: MinHash over word shingles + LSH banding, memory-bounded.
 *
 * Signatures use one-permutation hashing (each shingle hashed once, its top bits pick a bin, the bin keeps the
 * minimum) with "optimal densification" (Shrivastava 2017) for empty bins: bin j borrows from the first non-empty
 * bin of a fixed pseudo-random probe order of j. Per bin, two texts collide with probability = their Jaccard
 * similarity, like classic k-permutation MinHash, at O(shingles + bins) cost instead of O(shingles * bins).
 * All buffers are preallocated; signing a text allocates nothing besides toLowerCase().
 *
 * The index keeps only one 64-bit hash per band per kept text (in a U64HashSet), never signatures or texts, so
 * a text is a near duplicate when any band collides: P(dup | Jaccard J) = 1 - (1 - J^rows)^bands.
 */
import { fmix32, isSpace } from './hash.js';
import { U64HashSet } from './hashset.js';

export interface MinHashOptions {
  /** Signature length (bins), a power of two in 8..256. Default 64. */
  numPerm?: number;
  /** Words per shingle. Default 3. */
  shingle?: number;
  /** Jaccard similarity at which a pair is a near duplicate with ~50% probability. Default 0.7. */
  threshold?: number;
  /** Explicit banding (overrides the choice from threshold); bands * rows <= numPerm. */
  bands?: number;
  rows?: number;
}

/** Bands and rows with bands*rows <= numPerm whose LSH threshold (1/b)^(1/r) is closest to `threshold`. */
export function chooseBanding(numPerm: number, threshold: number): { bands: number; rows: number } {
  let best = { bands: 1, rows: numPerm };
  let bestErr = Infinity;
  for (let rows = 1; rows <= numPerm; rows++) {
    const bands = Math.floor(numPerm / rows);
    const err = Math.abs(Math.pow(1 / bands, 1 / rows) - threshold);
    if (err < bestErr) {
      bestErr = err;
      best = { bands, rows };
    }
  }
  return best;
}

/** Word characters: ASCII letters/digits, and everything non-ASCII except spaces and general punctuation. */
const ASCII_WORD = new Uint8Array(128);
for (let c = 0; c < 128; c++) ASCII_WORD[c] = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? 1 : 0;

function wordChar(c: number): boolean {
  if (c < 128) return ASCII_WORD[c] === 1;
  return !isSpace(c) && !(c >= 0x2010 && c <= 0x206f) && !(c >= 0x3000 && c <= 0x303f);
}

export class MinHasher {
  readonly numPerm: number;
  readonly shingle: number;
  private readonly bits: number;
  private readonly sig: Uint32Array;
  private readonly filled: Uint8Array;
  /** probe[j * numPerm + t]: the t-th bin that empty bin j borrows from (a fixed random permutation per j). */
  private readonly probe: Uint16Array;
  private readonly ring: Uint32Array;

  constructor(options: MinHashOptions = {}) {
    this.numPerm = options.numPerm ?? 64;
    this.shingle = options.shingle ?? 3;
    this.bits = Math.log2(this.numPerm);
    if (!Number.isInteger(this.bits) || this.numPerm < 8 || this.numPerm > 256) {
      throw new RangeError(`numPerm must be a power of two in 8..256 (got ${this.numPerm})`);
    }
    if (!Number.isInteger(this.shingle) || this.shingle < 1 || this.shingle > 16) throw new RangeError(`shingle must be 1..16`);
    this.sig = new Uint32Array(this.numPerm);
    this.filled = new Uint8Array(this.numPerm);
    this.ring = new Uint32Array(this.shingle);
    this.probe = new Uint16Array(this.numPerm * this.numPerm);
    let x = 0x2545f491;
    for (let j = 0; j < this.numPerm; j++) {
      const base = j * this.numPerm;
      for (let t = 0; t < this.numPerm; t++) this.probe[base + t] = t;
      for (let t = this.numPerm - 1; t > 0; t--) {
        x = fmix32(x + 0x9e3779b9);
        const k = x % (t + 1);
        const tmp = this.probe[base + t];
        this.probe[base + t] = this.probe[base + k];
        this.probe[base + k] = tmp;
      }
    }
  }

  /**
   * Signature of `text` in a buffer that is REUSED by the next call (copy it to keep it); null when the text has
   * no word at all. `lowered`: the caller already lower-cased the text.
   */
  signature(text: string, lowered = false): Uint32Array | null {
    const { sig, filled, ring, shingle, numPerm } = this;
    const shift = 32 - this.bits;
    filled.fill(0);
    const s = lowered ? text : text.toLowerCase();
    let words = 0;
    let h = 0x811c9dc5;
    let inWord = false;
    let shingles = 0;
    const len = s.length;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? s.charCodeAt(i) : 32;
      if (wordChar(c)) {
        h = Math.imul(h ^ c, 0x01000193);
        inWord = true;
        continue;
      }
      if (!inWord) continue;
      inWord = false;
      ring[words % shingle] = fmix32(h);
      h = 0x811c9dc5;
      words++;
      if (words < shingle) continue;
      // Order-sensitive combination of the last `shingle` word hashes.
      let x = 0x1b873593;
      for (let k = words - shingle; k < words; k++) x = Math.imul(x ^ ring[k % shingle], 0xcc9e2d51) + 0xe6546b64;
      this.put(fmix32(x), shift);
      shingles++;
    }
    if (words === 0) return null;
    if (shingles === 0) {
      // Shorter than one shingle: the whole text is its only shingle.
      let x = 0x1b873593;
      for (let k = 0; k < words; k++) x = Math.imul(x ^ ring[k], 0xcc9e2d51) + 0xe6546b64;
      this.put(fmix32(x), shift);
    }
    for (let j = 0; j < numPerm; j++) {
      if (filled[j] === 1) continue;
      const base = j * numPerm;
      for (let t = 0; t < numPerm; t++) {
        const src = this.probe[base + t];
        if (filled[src] === 1) {
          sig[j] = sig[src];
          break;
        }
      }
    }
    return sig;
  }

  private put(v: number, shift: number): void {
    const bin = v >>> shift;
    if (this.filled[bin] !== 1) {
      this.filled[bin] = 1;
      this.sig[bin] = v;
    } else if (v < this.sig[bin]) this.sig[bin] = v;
  }
}

/** Estimated Jaccard similarity of two signatures (fraction of equal bins). */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
  return eq / a.length;
}

/** LSH over band hashes: `seen` answers "does any band collide with an already kept text?" and remembers it. */
export class LshIndex {
  readonly bands: number;
  readonly rows: number;
  private readonly set: U64HashSet;
  private readonly bandHi: Uint32Array;
  private readonly bandLo: Uint32Array;
  private readonly bandSlot: Int32Array;

  constructor(bands: number, rows: number, expected = 1024) {
    this.bands = bands;
    this.rows = rows;
    this.set = new U64HashSet(expected * bands);
    this.bandHi = new Uint32Array(bands);
    this.bandLo = new Uint32Array(bands);
    this.bandSlot = new Int32Array(bands);
  }

  get bytes(): number {
    return this.set.bytes;
  }

  /** True when `sig` shares a band with an indexed signature; otherwise indexes it and returns false. */
  checkAndAdd(sig: Uint32Array): boolean {
    const { bands, rows, bandHi, bandLo, bandSlot, set } = this;
    set.reserve(bands);
    for (let b = 0; b < bands; b++) {
      let h1 = Math.imul(b + 1, 0x9e3779b1);
      let h2 = Math.imul(b + 1, 0x85ebca77) ^ 0x2545f491;
      for (let r = b * rows, end = r + rows; r < end; r++) {
        const v = sig[r];
        h1 = Math.imul(h1 ^ v, 0x01000193) + 0x7f4a7c15;
        h2 = Math.imul(h2 ^ (v >>> 16 | v << 16), 0x5bd1e995);
        h2 ^= h2 >>> 15;
      }
      bandHi[b] = fmix32(h1);
      bandLo[b] = fmix32(h2);
      const slot = set.probe(bandHi[b], bandLo[b]);
      if (slot >= 0) return true;
      bandSlot[b] = -slot - 1;
    }
    // One probe per band: insert at the empty slots found above.
    for (let b = 0; b < bands; b++) set.insertAt(bandSlot[b], bandHi[b], bandLo[b]);
    return false;
  }
}
