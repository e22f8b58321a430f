/**
 * Self-evaluation by digit probabilities (docs/method.md §3): read the model's next-token probabilities of the
 * score digits 0..9 after a prompt, renormalise over the digits and take the expected value. Text is never parsed.
 */
import type { CandidateProbabilities, ModelBackend, Prompt } from '../contracts/backend.js';
import { SelfjError, throwIfAborted } from '../errors.js';

export interface DigitScore {
  /** p(k) for k = 0..9, renormalised over the visible digits (sums to 1); 0 for a missing digit. */
  probs: number[];
  /** sum_k k * probs[k]: a number in [0, 9]. */
  expected: number;
  /** Raw probability mass (over the full vocabulary) that the visible digit tokens got, before renormalising. */
  digitMass: number;
  /** "full": every digit was visible; "partial": some were hidden (listed in `missing`). */
  coverage: 'full' | 'partial';
  /** Digits whose probability the backend could not see (top-k cut-off, or not a single token there). */
  missing: number[];
}

export interface ScoreDigitsOptions {
  signal?: AbortSignal;
  /**
   * Items whose digit mass is below this floor get an error instead of a score: when the model puts almost no
   * probability on the digits, the renormalised digits describe a rare branch, not its judgement. Default 0 (none).
   */
  minDigitMass?: number;
}

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

/** Start of the reason of every low-digit-mass error (counted in stage summaries). */
export const LOW_DIGIT_MASS = 'low digit mass';
/** Start of the reason when no digit is visible at all. */
export const NO_DIGIT_VISIBLE = 'no score digit visible';

/**
 * Candidate strings per digit: the bare digit and the space-prefixed one. Which of them is a single token right
 * after the prompt depends on the tokenizer (the backend resolves that); the visible forms of a digit are summed.
 */
export function digitCandidates(): { candidates: string[]; digitOf: Map<string, number> } {
  const digitOf = new Map<string, number>();
  for (let d = 0; d < 10; d++) {
    digitOf.set(String(d), d);
    digitOf.set(` ${d}`, d);
  }
  return { candidates: [...digitOf.keys()], digitOf };
}

/** Expected digit sum_k k * p(k) / sum_k p(k) of a (not necessarily normalised) 10-bin distribution. */
export function digitExpectation(probs: ArrayLike<number>): number {
  if (probs.length !== 10) {
    throw new SelfjError('BAD_INPUT', `digitExpectation needs 10 probabilities (digits 0..9), got ${probs.length}.`);
  }
  let mass = 0;
  let weighted = 0;
  for (let k = 0; k < 10; k++) {
    const p = probs[k];
    if (!Number.isFinite(p) || p < 0) {
      throw new SelfjError('BAD_INPUT', `digitExpectation: probability of digit ${k} is ${p}; expected a finite number >= 0.`);
    }
    mass += p;
    weighted += k * p;
  }
  if (mass <= 0) throw new SelfjError('BAD_INPUT', 'digitExpectation: the digit probabilities sum to 0; no expectation exists.');
  return weighted / mass;
}

/**
 * One prompt's candidate probabilities as a DigitScore, or a BAD_RECORD error that belongs to this item alone
 * (no digit visible, zero or too little digit mass). A candidate form that resolved to a token id already counted
 * for its digit ("7" and " 7" can be one token) is counted once. A probability outside [0, 1] is the backend's
 * fault and is thrown.
 */
export function readDigitScore(r: Pick<CandidateProbabilities, 'probs' | 'ids'>, minDigitMass = 0): DigitScore | SelfjError {
  const { digitOf } = digitCandidates();
  const perDigit: (number | undefined)[] = new Array(10).fill(undefined);
  const counted = new Set<string>();
  for (const [candidate, digit] of digitOf) {
    const p = r.probs[candidate];
    if (p === undefined) continue;
    if (!Number.isFinite(p) || p < 0 || p > 1 + 1e-6) {
      throw new SelfjError('INTERNAL', `The backend returned probability ${p} for candidate ${JSON.stringify(candidate)}.`, { details: { candidate } });
    }
    const id = r.ids?.[candidate];
    if (id !== undefined) {
      if (counted.has(`${digit}:${id}`)) continue;
      counted.add(`${digit}:${id}`);
    }
    perDigit[digit] = (perDigit[digit] ?? 0) + p;
  }
  const missing = perDigit.flatMap((p, d) => (p === undefined ? [d] : []));
  if (missing.length === 10) {
    return new SelfjError('BAD_RECORD', `${NO_DIGIT_VISIBLE}: none of 0..9 is among the backend's next-token probabilities (a top-k cut-off, or the prompt does not end where the digit is expected)`, {
      details: { kind: 'no-digit' },
    });
  }
  const digitMass = perDigit.reduce<number>((s, p) => s + (p ?? 0), 0);
  if (!(digitMass > 0)) {
    return new SelfjError('BAD_RECORD', `${LOW_DIGIT_MASS}: the model gives every visible score digit probability 0`, { details: { kind: 'zero-mass', digitMass } });
  }
  if (digitMass < minDigitMass) {
    return new SelfjError('BAD_RECORD', `${LOW_DIGIT_MASS} ${digitMass.toPrecision(3)} < floor ${minDigitMass}: the model barely answers with a digit here, so its score would be noise (floor: scoring.minDigitMass, --min-digit-mass)`, {
      details: { kind: 'low-mass', digitMass, minDigitMass },
    });
  }
  const normalised = perDigit.map((p) => (p ?? 0) / digitMass);
  return {
    probs: normalised,
    expected: digitExpectation(normalised),
    digitMass,
    coverage: missing.length === 0 ? 'full' : 'partial',
    missing,
  };
}

/** Turns one prompt's candidate probabilities into a DigitScore; throws what readDigitScore returns (pure). */
export function digitScoreFromCandidates(probs: Record<string, number | undefined>, index = 0, ids?: Record<string, number | undefined>): DigitScore {
  const r = readDigitScore({ probs, ids });
  if (r instanceof Error) {
    const kind = (r.details as { kind?: keyof typeof ALL_OR_NOTHING_CODE } | undefined)?.kind;
    throw new SelfjError(kind ? ALL_OR_NOTHING_CODE[kind] : r.code, `Prompt ${index}: ${r.message}`, { details: { index } });
  }
  return r;
}

/**
 * Scores each prompt by the probabilities of the next token being a digit, one result per prompt: its DigitScore or
 * the BAD_RECORD error that prompt alone has (no digit visible, digit mass below `minDigitMass`). All prompts go
 * to the backend in one call, so backends can evaluate them concurrently; faults of the backend are thrown.
 */
export async function scoreDigitsSettled(backend: ModelBackend, prompts: Prompt[], options: ScoreDigitsOptions = {}): Promise<(DigitScore | SelfjError)[]> {
  throwIfAborted(options.signal);
  if (prompts.length === 0) return [];
  const { candidates } = digitCandidates();
  const results = await backend.nextTokenProbabilities(prompts, candidates, { signal: options.signal });
  if (results.length !== prompts.length) {
    throw new SelfjError('INTERNAL', `Backend ${backend.id} returned ${results.length} results for ${prompts.length} prompts.`);
  }
  return results.map((r) => readDigitScore(r, options.minDigitMass ?? 0));
}

/** What an item's problem means for a caller that scores a whole list at once. */
const ALL_OR_NOTHING_CODE = { 'no-digit': 'CAPABILITY_MISSING', 'zero-mass': 'BAD_INPUT', 'low-mass': 'BAD_RECORD' } as const;

/**
 * scoreDigitsSettled for callers that want all or nothing: the first item's problem is thrown, naming its prompt
 * (no digit visible: CAPABILITY_MISSING; zero digit mass: BAD_INPUT; below the floor: BAD_RECORD).
 */
export async function scoreDigits(backend: ModelBackend, prompts: Prompt[], options: ScoreDigitsOptions = {}): Promise<DigitScore[]> {
  const settled = await scoreDigitsSettled(backend, prompts, options);
  return settled.map((s, i) => {
    if (!(s instanceof Error)) return s;
    const kind = (s.details as { kind?: keyof typeof ALL_OR_NOTHING_CODE } | undefined)?.kind;
    throw new SelfjError(kind ? ALL_OR_NOTHING_CODE[kind] : s.code, `Prompt ${i}: ${s.message}`, {
      details: { index: i },
      solutions: [
        'Use a backend that returns full log-probabilities (llama-cpp) or raise its top_logprobs (vLLM --max-logprobs -1, llama.cpp server n_probs).',
        'End the prompt where the answer digit is expected (e.g. "... Score (0-9):"), so that digits are among the likely tokens.',
      ],
    });
  });
}
