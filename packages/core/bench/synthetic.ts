/** Deterministic synthetic instruction records for the collect benchmark. */
import type { InstructionRecord } from '@selfj/core';

// Deterministic xorshift PRNG; a synthetic vocabulary with a Zipf-like pick so texts look like text.
let seed = 0x2545f491;
function rnd(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
/**
 * Flattens a concatenated string (V8 keeps `a + b` as a rope and flattens it in place on the first indexed
 * access), so records arrive as flat strings, like JSON.parse output in a real loader, and collect's own cost
 * is not inflated by flattening ropes. The pools below are flattened once too: a rope built from ropes would
 * walk every pool string's own rope again on each flattening.
 */
function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

const SYL = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'pe', 'da', 'gu', 'ber', 'xan', 'qui', 'zor', 'el', 'an', 'ist'];
const VOCAB: string[] = [];
for (let i = 0; i < 20000; i++) {
  let w = '';
  for (let k = 0, n = 1 + (i % 4); k < n; k++) w += SYL[Math.floor(rnd() * SYL.length)];
  VOCAB.push(flat(w + (i % 7 === 0 ? String(i % 100) : '')));
}
// Precomputed Zipf-like pick table, so generating the input costs little next to collect itself.
const PICK = new Uint16Array(65536);
for (let i = 0; i < PICK.length; i++) PICK[i] = Math.floor(VOCAB.length * (i / 65536) ** 2.5);
let state = 0x9e3779b9;
function next32(): number {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return state >>> 0;
}
const word = (): string => VOCAB[PICK[next32() & 0xffff]];
// Texts are built from a pool of 8192 pre-generated 4-word phrases (plus fresh words), so the generator costs
// little next to collect; phrase combinations keep records distinct and near-duplicate structure realistic.
const PHRASES: string[] = [];
for (let i = 0; i < 8192; i++) PHRASES.push(flat(`${word()} ${word()} ${word()} ${word()}`));
// The same pools with the separating space in front, for appending.
const SP_PHRASES = PHRASES.map((p) => flat(` ${p}`));
const SP_VOCAB = VOCAB.map((w) => flat(` ${w}`));

function text(minWords: number, maxWords: number): string {
  const u = (next32() & 0xffff) / 65536;
  const n = minWords + Math.floor((maxWords - minWords) * u * u);
  // Same words as joining [word, phrase, phrase, ..., word, word] with spaces, built by appending (cheaper).
  let s = word();
  let w = 1;
  while (w + 4 < n) {
    s += SP_PHRASES[next32() & 8191];
    w += 4;
  }
  for (; w < n; w++) s += SP_VOCAB[PICK[next32() & 0xffff]];
  return flat(s);
}

// References come from a pool (dedupe keys on the instruction, which stays unique per record); collect still reads,
// checks and writes every reference in full, so the pool only makes the *input* cheaper to produce.
const REFS: string[] = [];
for (let i = 0; i < 8192; i++) REFS.push(text(5, 250));
const ref = (): string => REFS[next32() & 8191];

const CATS = ['common', 'coding', 'academic'];
export const injected = { exact: 0, near: 0 };
/** Wall seconds spent generating records (measured around the generator's own work), to report collect alone. */
export const generation = { seconds: 0 };

/** Records are made in batches of this many (timed per batch), then yielded one by one. */
const BATCH = 256;

export async function* synthetic(N: number, source: number): AsyncGenerator<InstructionRecord> {
  const recent: InstructionRecord[] = []; // a small window of earlier records to copy from
  const per = Math.ceil(N / 2);
  const end = Math.min(per, N - source * per);
  const batch: InstructionRecord[] = [];
  for (let start = 0; start < end; start += BATCH) {
    const t0 = performance.now();
    batch.length = 0;
    for (let i = start; i < end && i < start + BATCH; i++) {
      const id = `s${source}:${i}`;
      const r = rnd();
      let rec: InstructionRecord;
      if (r < 0.05 && recent.length > 0) {
        const base = recent[Math.floor(rnd() * recent.length)];
        rec = { id, instruction: flat(`  ${base.instruction.toUpperCase()}  `), reference: base.reference }; // same after normalisation
        injected.exact++;
      } else if (r < 0.1 && recent.length > 0) {
        const base = recent[Math.floor(rnd() * recent.length)];
        rec = { id, instruction: flat(`${base.instruction} ${word()}`), reference: ref() }; // one word appended
        injected.near++;
      } else if (r < 0.11) {
        rec = { id, instruction: text(8, 40), reference: ['N/A', '', '...', 'none'][i % 4] };
      } else if (r < 0.115) {
        rec = { id, instruction: 'x', reference: ref() };
      } else {
        rec = { id, instruction: text(12, 80), reference: ref(), category: CATS[i % 3] };
      }
      if (recent.length < 512) recent.push(rec);
      else recent[i & 511] = rec;
      batch.push(rec);
    }
    generation.seconds += (performance.now() - t0) / 1000;
    for (let k = 0; k < batch.length; k++) yield batch[k];
  }
}
