/**
 * Near-duplicate detection: MinHash over word shingles + LSH banding, memory-bounded.
 *
 * Signatures are classic k-permutation MinHash: shingle hashes (word n-grams, hashed while scanning, no substrings)
 * go through numPerm universal hash functions, and each bin keeps the minimum, so per bin two texts collide with
 * probability = their Jaccard similarity, independently across bins. All buffers are preallocated and reused;
 * signing a text allocates nothing besides toLowerCase(). The same pass over the text also yields the normalised
 * exact-dedupe hash (`scan`), so a record's key is read once.
 *
 * The index keeps only one 64-bit hash per band per kept text (in a U64HashSet), never signatures or texts, so
 * a text is a near duplicate when any band collides: P(dup | Jaccard J) = 1 - (1 - J^rows)^bands.
 */
import { fmix32, isSpace, out } from './hash.js';
import { U64HashSet } from './hashset.js';
import { minHashKernel, type MinHashKernel } from './minhash-wasm.js';

export interface MinHashOptions {
  /** Signature length (bins, 4..512). Default 32: at threshold 0.7 that is 6 bands x 5 rows, whose LSH curve is
   *  close to 64 bins' 10 x 6 at 40% less memory and time. */
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

/**
 * Character classes of the scan: 0 = whitespace (isSpace), 1 = word character (ASCII letters/digits, and
 * everything non-ASCII except spaces and general punctuation), 2 = anything else (punctuation, symbols).
 */
const ASCII_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_CLASS[c] = isSpace(c) ? 0 : (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) ? 1 : 2;
}

function wideClass(c: number): number {
  if (isSpace(c)) return 0;
  return (c >= 0x2010 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f) ? 2 : 1;
}

export class MinHasher {
  readonly numPerm: number;
  readonly shingle: number;
  /** The WebAssembly SIMD signing loop, or null for the JS loop (same values either way). */
  private readonly kernel: MinHashKernel | null;
  private sig: Uint32Array;
  /** Permutation i of a (well-mixed) shingle hash h is (a[i] * h + b[i]) mod 2^32, a[i] odd: universal hashing. */
  private a: Int32Array;
  private b: Int32Array;
  private readonly ring: Uint32Array;
  /** Shingle hashes of the last scanned text (grown on demand, reused), and how many there are. */
  private shingles: Int32Array;
  private count = 0;

  /** `simd` false: always the JS signing loop (tests compare both). */
  constructor(options: MinHashOptions = {}, simd = true) {
    this.numPerm = options.numPerm ?? 32;
    this.shingle = options.shingle ?? 3;
    if (!Number.isInteger(this.numPerm) || this.numPerm < 4 || this.numPerm > 512) {
      throw new RangeError(`numPerm must be an integer in 4..512 (got ${this.numPerm})`);
    }
    if (!Number.isInteger(this.shingle) || this.shingle < 1 || this.shingle > 16) throw new RangeError(`shingle must be 1..16`);
    this.ring = new Uint32Array(2 * this.shingle);
    this.kernel = simd ? minHashKernel(this.numPerm) : null;
    if (this.kernel) {
      ({ sig: this.sig, a: this.a, b: this.b, shingles: this.shingles } = this.kernel);
    } else {
      this.sig = new Uint32Array(this.numPerm);
      this.a = new Int32Array(this.numPerm);
      this.b = new Int32Array(this.numPerm);
      this.shingles = new Int32Array(256);
    }
    let x = 0x2545f491;
    for (let i = 0; i < this.numPerm; i++) {
      this.a[i] = (x = fmix32(x + 0x9e3779b9)) | 1;
      this.b[i] = x = fmix32(x + 0x9e3779b9);
    }
  }

  /** Whether signing runs in the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.kernel !== null;
  }

  /**
   * Signature of `text` in a buffer that is REUSED by the next call (copy it to keep it); null when the text has
   * no word at all. `lowered`: the caller already lower-cased the text.
   */
  signature(text: string, lowered = false): Uint32Array | null {
    return this.scan(lowered ? text : text.toLowerCase()) ? this.sign(this.numPerm) : null;
  }

  /**
   * One pass over a LOWER-CASED text: hashes its word shingles (word n-grams; hashed while scanning, no
   * substrings) for `sign`, and, on the side, its normalised exact hash: the same value as
   * normalizedHash64(text, undefined, true), left in hash.ts's `out`. Returns false when the text has no word.
   */
  scan(s: string): boolean {
    const { ring, shingle } = this;
    let shingles = this.shingles;
    // Exact hash state (see normalizedHash64): whitespace runs count as one space, leading/trailing ones as none.
    let h1 = 0x811c9dc5;
    let h2 = 0x2545f491;
    let chars = 0;
    let pendingSpace = false;
    // Shingle state.
    let words = 0;
    let h = 0x811c9dc5;
    let inWord = false;
    let n = 0;
    // Word hashes go to ring[pos] and ring[pos + shingle]: after pos moves on, the last `shingle` words are
    // ring[pos .. pos + shingle), oldest first, without wrapping around.
    let pos = 0;
    const len = s.length;
    for (let i = 0; i <= len; i++) {
      let cls = 0;
      let c = 32;
      if (i < len) {
        c = s.charCodeAt(i);
        cls = c < 128 ? ASCII_CLASS[c] : wideClass(c);
        if (cls !== 0) {
          if (pendingSpace) {
            pendingSpace = false;
            h1 = Math.imul(h1 ^ 32, 0x01000193);
            h2 = Math.imul(h2 ^ 32, 0x5bd1e995);
            h2 ^= h2 >>> 13;
            chars++;
          }
          h1 = Math.imul(h1 ^ c, 0x01000193);
          h2 = Math.imul(h2 ^ c, 0x5bd1e995);
          h2 ^= h2 >>> 13;
          chars++;
          if (cls === 1) {
            h = Math.imul(h ^ c, 0x01000193);
            inWord = true;
            continue;
          }
        } else if (chars > 0) pendingSpace = true;
      }
      if (!inWord) continue;
      inWord = false;
      const w = fmix32(h);
      ring[pos] = w;
      ring[pos + shingle] = w;
      pos = pos + 1 === shingle ? 0 : pos + 1;
      h = 0x811c9dc5;
      if (++words < shingle) continue;
      // Order-sensitive combination of the last `shingle` word hashes, oldest first.
      let x = 0x1b873593;
      for (let r = pos, end = pos + shingle; r < end; r++) x = Math.imul(x ^ ring[r], 0xcc9e2d51) + 0xe6546b64;
      if (n === shingles.length) shingles = this.grow();
      shingles[n++] = fmix32(x);
    }
    out.hi = fmix32(h1 ^ chars);
    out.lo = fmix32(h2 + Math.imul(chars, 0x9e3779b1));
    if (words > 0 && n === 0) {
      // Shorter than one shingle: the whole text is its only shingle.
      let x = 0x1b873593;
      for (let k = 0; k < words; k++) x = Math.imul(x ^ ring[k], 0xcc9e2d51) + 0xe6546b64;
      shingles[n++] = fmix32(x);
    }
    this.count = n;
    return words > 0;
  }

  /**
   * MinHash signature of the last scanned text, in a buffer REUSED by the next call. Only the first `bins` bins
   * are computed (LSH reads only bands * rows of them); the rest are 0.
   *
   * Classic k-permutation MinHash: bins are independent, so the LSH S-curve holds even for very short texts
   * (one-permutation hashing with densification correlates the bins of short texts and over-merges them).
   */
  sign(bins: number): Uint32Array {
    const { sig, a, b, shingles } = this;
    const n = this.count;
    const m = Math.min(bins, this.numPerm);
    if (this.kernel) {
      this.kernel.sign(n, m);
      sig.fill(0, m);
      return sig;
    }
    let p = 0;
    // Two bins per pass over the shingles. Signed int32 order (any fixed total order works for MinHash) keeps V8
    // on small integers.
    for (; p + 1 < m; p += 2) {
      const a0 = a[p];
      const b0 = b[p];
      const a1 = a[p + 1];
      const b1 = b[p + 1];
      let min0 = 0x7fffffff;
      let min1 = 0x7fffffff;
      for (let j = 0; j < n; j++) {
        const x = shingles[j];
        const v0 = (Math.imul(a0, x) + b0) | 0;
        const v1 = (Math.imul(a1, x) + b1) | 0;
        if (v0 < min0) min0 = v0;
        if (v1 < min1) min1 = v1;
      }
      sig[p] = min0;
      sig[p + 1] = min1;
    }
    for (; p < m; p++) {
      const ap = a[p];
      const bp = b[p];
      let min = 0x7fffffff;
      for (let j = 0; j < n; j++) {
        const v = (Math.imul(ap, shingles[j]) + bp) | 0;
        if (v < min) min = v;
      }
      sig[p] = min;
    }
    sig.fill(0, m);
    return sig;
  }

  private grow(): Int32Array {
    const n = this.shingles.length;
    if (this.kernel) {
      // Growing the kernel's memory replaces all of its views.
      this.shingles = this.kernel.grow(2 * n);
      ({ sig: this.sig, a: this.a, b: this.b } = this.kernel);
      return this.shingles;
    }
    const grown = new Int32Array(n * 2);
    grown.set(this.shingles);
    return (this.shingles = grown);
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
