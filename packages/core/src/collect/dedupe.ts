/**
 * Exact + near deduplication state, shared by collect and merge. Memory: 8 bytes / 0.7 per kept text for exact
 * keys, and `bands` times that for near-duplicate band hashes (about 70 MB per million texts with the default 6 bands).
 */
import type { InstructionRecord } from '../contracts/records.js';
import { normalizedHash64, out } from './hash.js';
import { U64HashSet } from './hashset.js';
import type { DedupeConfig } from './manifest.js';
import { chooseBanding, LshIndex, MinHasher } from './minhash.js';

export class Deduper {
  readonly key: 'instruction' | 'instruction+reference';
  private readonly exact: U64HashSet | null;
  private readonly hasher: MinHasher | null;
  private readonly lsh: LshIndex | null;
  /** Signature bins the LSH bands read (bands * rows); only these are computed. */
  private readonly bins: number;

  constructor(config: DedupeConfig = {}, expected = 1 << 16) {
    this.key = config.key ?? 'instruction';
    this.exact = config.exact === false ? null : new U64HashSet(expected);
    const near = config.near === false || config.near?.enabled === false ? null : (config.near ?? {});
    if (near) {
      this.hasher = new MinHasher(near);
      const banding =
        near.bands && near.rows ? { bands: near.bands, rows: near.rows } : chooseBanding(this.hasher.numPerm, near.threshold ?? 0.7);
      if (banding.bands * banding.rows > this.hasher.numPerm) {
        throw new RangeError(`bands * rows (${banding.bands * banding.rows}) exceeds numPerm (${this.hasher.numPerm})`);
      }
      this.lsh = new LshIndex(banding.bands, banding.rows, expected);
      this.bins = banding.bands * banding.rows;
    } else {
      this.hasher = null;
      this.lsh = null;
      this.bins = 0;
    }
  }

  get banding(): { bands: number; rows: number } | null {
    return this.lsh ? { bands: this.lsh.bands, rows: this.lsh.rows } : null;
  }

  /** Index sizes for stats. */
  get usage(): { exactKeys: number; nearBands: number; indexBytes: number } {
    return {
      exactKeys: this.exact?.size ?? 0,
      nearBands: this.lsh ? this.lsh.bands : 0,
      indexBytes: (this.exact?.bytes ?? 0) + (this.lsh?.bytes ?? 0),
    };
  }

  /** The duplicate reason, or null (and the record is remembered, so later copies are dropped). */
  check(rec: InstructionRecord): 'duplicate-exact' | 'duplicate-near' | null {
    const { exact, hasher, lsh } = this;
    // Lower-case once for both hashes.
    const ins = rec.instruction.toLowerCase();
    if (this.key === 'instruction') {
      if (hasher && lsh) {
        // One pass over the text gives the shingles and the exact hash (in `out`).
        const words = hasher.scan(ins);
        if (exact && !exact.add(out.hi, out.lo)) return 'duplicate-exact';
        return words && lsh.checkAndAdd(hasher.sign(this.bins)) ? 'duplicate-near' : null;
      }
      if (exact) {
        normalizedHash64(ins, undefined, true);
        if (!exact.add(out.hi, out.lo)) return 'duplicate-exact';
      }
      return null;
    }
    const ref = rec.reference.toLowerCase();
    if (exact) {
      normalizedHash64(ins, ref, true);
      if (!exact.add(out.hi, out.lo)) return 'duplicate-exact';
    }
    if (hasher && lsh && hasher.scan(`${ins}\n${ref}`) && lsh.checkAndAdd(hasher.sign(this.bins))) return 'duplicate-near';
    return null;
  }
}
