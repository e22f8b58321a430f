/**
 * Record filters for collect. Each check returns a drop reason (a stable string used in stats and rejects) or
 * null to keep. Lengths are in UTF-16 characters and in approximate tokens: max(words, ceil(chars / 4)), the
 * usual rule of thumb for BPE tokenizers on English, cheap enough for millions of records.
 */
import type { InstructionRecord } from '../contracts/records.js';

export interface LengthBounds {
  minChars?: number;
  maxChars?: number;
  minTokens?: number;
  maxTokens?: number;
}

export interface FilterConfig {
  instruction?: LengthBounds;
  reference?: LengthBounds;
  /** Extra placeholder references (compared trimmed, lower-cased) on top of the built-in list. */
  placeholders?: string[];
  /** Drop records whose instruction or reference is not prose (binary, base64 blobs, only URLs). Default true. */
  nonText?: boolean;
}

export const DEFAULT_FILTERS: Required<FilterConfig> = {
  instruction: { minChars: 3, maxChars: 8000, minTokens: 1, maxTokens: 2048 },
  reference: { minChars: 1, maxChars: 16000, minTokens: 1, maxTokens: 4096 },
  placeholders: [],
  nonText: true,
};

export type DropReason =
  | 'instruction-empty'
  | 'instruction-too-short'
  | 'instruction-too-long'
  | 'instruction-non-text'
  | 'reference-placeholder'
  | 'reference-too-short'
  | 'reference-too-long'
  | 'reference-non-text'
  | 'duplicate-exact'
  | 'duplicate-near';

const BUILTIN_PLACEHOLDERS = [
  '', 'n/a', 'na', 'n.a.', 'none', 'null', 'nil', 'nan', 'undefined', '-', '--', '---', '...', '…', '?', 'tbd', 'todo',
  '<noinput>', '<no input>', 'no input', '<nooutput>', '<no output>', 'no output', '[]', '{}', '""', "''",
];

/** Approximate token count: max(words, ceil(chars / 4)). */
export function approxTokens(s: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const space = c === 32 || c === 10 || c === 9 || c === 13;
    if (!space && !inWord) words++;
    inWord = !space;
  }
  return Math.max(words, Math.ceil(s.length / 4));
}

const URL_ONLY = /^(?:\s*(?:https?:\/\/|www\.)\S+\s*)+$/i;

/** ASCII classes for the one-pass scan: 1 = base64 alphabet, 2 = control character. */
const CLS = new Uint8Array(128);
for (let c = 0; c < 32; c++) CLS[c] = c === 9 || c === 10 || c === 13 ? 0 : 2;
CLS[0x7f] = 2;
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=') CLS[ch.charCodeAt(0)] = 1;

/** Control characters (other than tab/newline/CR), C1 controls and U+FFFD, as left by binary read as text. */
const BAD_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffd]/;
/** BAD_CHAR's characters plus everything JSON.stringify escapes in a string (quote, backslash, surrogates). */
const SPECIAL_CHAR = /["\\\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffd]/;

/**
 * True when `s` has none of the characters that make the non-text check look closer or that JSON escapes:
 * then it has no bad characters, and JSON.stringify(s) is just `"${s}"`. One native scan that both the filter
 * and the JSONL output can use (collect checks each field once and passes the answer on).
 */
export function isPlain(s: string): boolean {
  return !SPECIAL_CHAR.test(s);
}
const RUN = 120;
const WINDOW = RUN / 2;

/** Does `s` have an aligned WINDOW-long stretch of base64-alphabet characters? (Any RUN-long run contains one.) */
function hasBlobWindow(s: string): boolean {
  for (let w = 0; w + WINDOW <= s.length; w += WINDOW) {
    let j = w;
    const end = w + WINDOW;
    for (; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c >= 128 || CLS[c] !== 1) break; // prose hits a space within a few characters
    }
    if (j === end) return true;
  }
  return false;
}

/**
 * True when `s` does not look like natural-language text: many control or replacement characters (binary read as
 * text), one base64/hex-like run making up most of it, or nothing but URLs. Cheap on prose: a native regex test
 * for bad characters and a windowed probe for long runs; the full count runs only when those find something.
 * `plain`: the caller knows isPlain(s) (no bad characters), so that scan is skipped.
 */
export function isNonText(s: string, plain = false): boolean {
  const len = s.length;
  if (len === 0) return false;
  if (!plain && BAD_CHAR.test(s)) {
    let bad = 0;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 128 ? CLS[c] === 2 : c === 0xfffd || c < 0xa0) bad++;
    }
    if (bad / len > 0.1) return true;
  }
  if (len >= RUN && hasBlobWindow(s)) {
    let run = 0;
    let best = 0;
    let bestEnd = 0;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? s.charCodeAt(i) : 32;
      if (c < 128 && CLS[c] === 1) {
        run++;
        continue;
      }
      if (run > best) {
        best = run;
        bestEnd = i;
      }
      run = 0;
    }
    if (best >= RUN && best / len > 0.5) {
      // A long letters-and-digits run with the digit/case mix of encoded data rather than a (very long) word.
      let digits = 0;
      let upper = 0;
      for (let i = bestEnd - best; i < bestEnd; i++) {
        const c = s.charCodeAt(i);
        if (c >= 48 && c <= 57) digits++;
        else if (c >= 65 && c <= 90) upper++;
      }
      if (digits / best > 0.05 || upper / best > 0.2) return true;
    }
  }
  return len >= 8 && len <= 4096 && (s.includes('://') || s.includes('www.')) && URL_ONLY.test(s);
}

function blank(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 32) return s.trim().length === 0;
  return true;
}

export class RecordFilter {
  private readonly cfg: Required<FilterConfig>;
  private readonly placeholders: Set<string>;
  /** Longest placeholder: longer references skip the set lookup. */
  private readonly maxPlaceholder: number;

  constructor(config: FilterConfig = {}) {
    this.cfg = {
      instruction: { ...DEFAULT_FILTERS.instruction, ...config.instruction },
      reference: { ...DEFAULT_FILTERS.reference, ...config.reference },
      placeholders: config.placeholders ?? [],
      nonText: config.nonText ?? true,
    };
    this.placeholders = new Set([...BUILTIN_PLACEHOLDERS, ...this.cfg.placeholders.map((p) => p.trim().toLowerCase())]);
    this.maxPlaceholder = Math.max(16, ...[...this.placeholders].map((p) => p.length));
  }

  get config(): Required<FilterConfig> {
    return this.cfg;
  }

  /**
   * The first reason to drop `rec`, or null to keep it. `insPlain` / `refPlain`: the caller already knows
   * isPlain() of the instruction / reference (saves a scan of each).
   */
  check(rec: InstructionRecord, insPlain = false, refPlain = false): DropReason | null {
    const ins = rec.instruction;
    if (blank(ins)) return 'instruction-empty';
    const r = this.bounds(ins, this.cfg.instruction);
    if (r) return `instruction-${r}`;
    if (this.cfg.nonText && isNonText(ins, insPlain)) return 'instruction-non-text';
    const ref = rec.reference;
    if (ref.length <= this.maxPlaceholder + 64) {
      const trimmed = ref.trim();
      if (trimmed.length <= this.maxPlaceholder && (this.placeholders.has(trimmed.toLowerCase()) || /^[\s\p{P}]*$/u.test(trimmed))) {
        return 'reference-placeholder';
      }
    }
    const rr = this.bounds(ref, this.cfg.reference);
    if (rr) return `reference-${rr}`;
    if (this.cfg.nonText && isNonText(ref, refPlain)) return 'reference-non-text';
    return null;
  }

  private bounds(s: string, b: LengthBounds): 'too-short' | 'too-long' | null {
    const len = s.length;
    if (b.minChars !== undefined && len < b.minChars) return 'too-short';
    if (b.maxChars !== undefined && len > b.maxChars) return 'too-long';
    // tokens = max(words, ceil(len / 4)) and words <= ceil(len / 2): count words only when these bounds don't decide.
    const lower = Math.ceil(len / 4);
    const upper = Math.max(lower, Math.ceil(len / 2));
    const shortOk = b.minTokens === undefined || lower >= b.minTokens;
    const longOk = b.maxTokens === undefined || upper <= b.maxTokens;
    if (shortOk && longOk) return null;
    if (b.maxTokens !== undefined && lower > b.maxTokens) return 'too-long';
    const t = approxTokens(s);
    if (b.minTokens !== undefined && t < b.minTokens) return 'too-short';
    if (b.maxTokens !== undefined && t > b.maxTokens) return 'too-long';
    return null;
  }
}
