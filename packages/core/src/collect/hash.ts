/**
 * Fast non-cryptographic string hashes for collect (dedupe, sharding, split, sampling). Two independent 32-bit
 * lanes give a 64-bit key; results go to the shared `out` object instead of a fresh array, so hot loops allocate
 * nothing. Stable across runs, machines and Node versions (only charCodeAt, Math.imul and shifts).
 */

/** Output of the 64-bit hashes: read `hi` and `lo` right after the call. */
export const out = { hi: 0, lo: 0 };

import { fmix32 } from '../infra/hash.js';

export { fmix32 };

/** 32-bit hash of `salt` + `s` (ids -> shard / split / sample positions). */
export function hash32(s: string, salt = 0): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix32(h ^ s.length);
}

/** Salt from a name, so "split" and "sample" positions are independent. */
export function saltOf(name: string): number {
  return hash32(name, 0x9e3779b9);
}

/** Unicode whitespace (the common forms) as one class for normalisation. */
export function isSpace(c: number): boolean {
  return c <= 32 || (c >= 0xa0 && isWideSpace(c));
}

function isWideSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * 64-bit hash of the NORMALISED text (lower-cased, whitespace runs collapsed to one space, trimmed), computed in
 * one pass without building the normalised string. `b` (optional) is hashed after a separator, so
 * ("ab", "c") and ("a", "bc") differ. `lowered`: the caller already lower-cased both. Result in `out`.
 */
export function normalizedHash64(a: string, b?: string, lowered = false): void {
  let h1 = 0x811c9dc5;
  let h2 = 0x2545f491;
  let n = 0;
  for (let part = 0; part < (b === undefined ? 1 : 2); part++) {
    const raw = part === 0 ? a : (b as string);
    const s = lowered ? raw : raw.toLowerCase();
    if (part === 1) {
      h1 = Math.imul(h1 ^ 0xfffe, 0x01000193);
      h2 = Math.imul(h2 ^ 0xfffe, 0x5bd1e995);
      h2 ^= h2 >>> 13;
    }
    let pendingSpace = false;
    let started = false;
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (isSpace(c)) {
        pendingSpace = started;
        continue;
      }
      if (pendingSpace) {
        pendingSpace = false;
        i--; // emit the single space, then this character on the next turn
        c = 32;
      }
      started = true;
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995);
      h2 ^= h2 >>> 13;
      n++;
    }
  }
  out.hi = fmix32(h1 ^ n);
  out.lo = fmix32(h2 + Math.imul(n, 0x9e3779b1));
}
