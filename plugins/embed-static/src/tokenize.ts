/**
 * Tokenisation for GloVe-style vocabularies (lower-cased; the table holds words, hyphenated compounds and common
 * punctuation, but no numbers and no clitics like "n't"). Unicode-aware: letters and digits of any script.
 */

/** A word: letters/marks/digits, optionally joined by inner hyphens or apostrophes; or one punctuation char. */
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:[-'’][\p{L}\p{M}\p{N}]+)*|[^\s\p{L}\p{M}\p{N}]/gu;
const IS_WORD_START = /^[\p{L}\p{M}\p{N}]/u;

export interface TokenizeOptions {
  /** Keep punctuation tokens ("," "." "?" ...). Default false: they add noise to a mean of word vectors. */
  punctuation?: boolean;
}

/** Lower-cased surface tokens of `text`, before any vocabulary lookup. */
export function tokenize(text: string, options: TokenizeOptions = {}): string[] {
  const out: string[] = [];
  forEachToken(text, options.punctuation ?? false, (t) => out.push(t));
  return out;
}

/** Calls `fn` for each token without building an array (the embedding hot path). */
export function forEachToken(text: string, punctuation: boolean, fn: (token: string) => void): void {
  const lower = text.toLowerCase();
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(lower)) !== null) {
    const t = m[0];
    if (t.length === 1 && !IS_WORD_START.test(t)) {
      if (punctuation) fn(t);
      continue;
    }
    fn(t);
  }
}

const CLITICS: Record<string, string> = { s: '', re: 'are', ll: 'will', ve: 'have', m: 'am', d: 'would' };
const IRREGULAR_NOT: Record<string, string> = { ca: 'can', wo: 'will', sha: 'shall', ai: 'is' };
const SMALL_NUMBERS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
];
const DIACRITICS = /\p{M}+/gu;

/**
 * Maps one token to vocabulary rows via `lookup` (returns -1 when absent), calling `emit` for each row found.
 * Fallbacks for out-of-vocabulary tokens, in order: clitics ("don't" -> do + not, "it's" -> it), integers 0..20
 * spelled out, hyphenated compounds split into parts, diacritics stripped. What is still unknown is skipped (OOV).
 * Returns the number of rows emitted.
 */
export function resolveToken(token: string, lookup: (w: string) => number, emit: (row: number) => void): number {
  const row = lookup(token);
  if (row >= 0) {
    emit(row);
    return 1;
  }
  const apos = token.search(/['’]/);
  if (apos > 0) {
    const head = token.slice(0, apos);
    const tail = token.slice(apos + 1);
    if (tail === 't' && head.endsWith('n')) {
      const stem = head.slice(0, -1);
      return resolveToken(IRREGULAR_NOT[stem] ?? stem, lookup, emit) + resolveToken('not', lookup, emit);
    }
    const expanded = CLITICS[tail];
    if (expanded !== undefined) return resolveToken(head, lookup, emit) + (expanded ? resolveToken(expanded, lookup, emit) : 0);
    return resolveToken(head, lookup, emit) + resolveToken(tail, lookup, emit);
  }
  if (/^\d+$/.test(token)) {
    const v = Number(token);
    return v <= 20 ? resolveToken(SMALL_NUMBERS[v], lookup, emit) : 0;
  }
  if (token.includes('-')) {
    let n = 0;
    for (const part of token.split('-')) if (part) n += resolveToken(part, lookup, emit);
    return n;
  }
  const plain = token.normalize('NFD').replace(DIACRITICS, '');
  if (plain !== token) {
    const r = lookup(plain);
    if (r >= 0) {
      emit(r);
      return 1;
    }
  }
  return 0;
}
