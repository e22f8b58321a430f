/** Stable hashing: canonical JSON for config hashes, a cheap fingerprint for large model files. */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

/** JSON with object keys sorted recursively, so equal configs hash equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Float32Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Short hash of a value's canonical JSON (16 hex chars: enough to tell configs apart). */
export function hashOf(value: unknown): string {
  return sha256(canonicalJson(value)).slice(0, 16);
}

const FINGERPRINT_CHUNK = 4 * 1024 * 1024;

/**
 * Fingerprint of a (possibly multi-GB) file: sha256 over its size, first 4 MiB and last 4 MiB. Reading a whole
 * 8 GB GGUF on every run would cost more than the stage; this still changes whenever the weights change.
 */
export async function fileFingerprint(path: string): Promise<string> {
  const size = (await stat(path)).size;
  const h = createHash('sha256').update(`size:${size};`);
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, FINGERPRINT_CHUNK));
    await fh.read(head, 0, head.length, 0);
    h.update(head);
    if (size > FINGERPRINT_CHUNK) {
      const tailLen = Math.min(FINGERPRINT_CHUNK, size - FINGERPRINT_CHUNK);
      const tail = Buffer.alloc(tailLen);
      await fh.read(tail, 0, tailLen, size - tailLen);
      h.update(tail);
    }
  } finally {
    await fh.close();
  }
  return `fp1:${h.digest('hex').slice(0, 32)}`;
}

/** Deterministic 32-bit seed for one record from a base seed and a key (per-record seeds survive resumes). */
export function seedFor(baseSeed: number, key: string): number {
  return parseInt(sha256(`${baseSeed}:${key}`).slice(0, 8), 16) >>> 0;
}

/** mulberry32: a small, fast, seedable PRNG for shuffles and splits. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MurmurHash3's finaliser: full avalanche of a 32-bit value (shard keys, MinHash seeds). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
