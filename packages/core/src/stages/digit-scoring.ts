/**
 * Self-evaluation by digit probabilities (SELFJ-METHOD.md step 3): read the model's next-token probabilities of the
 * score digits 0..9 after a prompt, renormalise over the digits and take the expected value. Text is never parsed.
 */
import type { ModelBackend, Prompt } from '../contracts/backend.js';
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
}

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

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

/** Turns one prompt's candidate probabilities into a DigitScore (pure; exported for backends and tests). */
export function digitScoreFromCandidates(
  probs: Record<string, number | undefined>,
  index = 0,
): DigitScore {
  const { digitOf } = digitCandidates();
  const perDigit: (number | undefined)[] = new Array(10).fill(undefined);
  for (const [candidate, digit] of digitOf) {
    const p = probs[candidate];
    if (p === undefined) continue;
    if (!Number.isFinite(p) || p < 0 || p > 1 + 1e-6) {
      throw new SelfjError('INTERNAL', `The backend returned probability ${p} for candidate ${JSON.stringify(candidate)}.`, {
        details: { index, candidate },
      });
    }
    perDigit[digit] = (perDigit[digit] ?? 0) + p;
  }
  const missing = perDigit.flatMap((p, d) => (p === undefined ? [d] : []));
  if (missing.length === 10) {
    throw new SelfjError('CAPABILITY_MISSING', `No score digit 0..9 is visible in the backend's next-token probabilities (prompt ${index}).`, {
      details: { index },
      solutions: [
        'Use a backend that returns full log-probabilities (llama-cpp) or raise its top_logprobs (vLLM --max-logprobs -1, llama.cpp server n_probs).',
        'End the prompt where the answer digit is expected (e.g. "... Score (0-9):"), so that digits are among the likely tokens.',
      ],
    });
  }
  const digitMass = perDigit.reduce<number>((s, p) => s + (p ?? 0), 0);
  if (!(digitMass > 0)) {
    throw new SelfjError('BAD_INPUT', `The model gives every visible score digit probability 0 after prompt ${index}.`, {
      details: { index },
      solutions: ['End the prompt where the answer digit is expected, e.g. with "Answer with one digit from 0 to 9. Score:".'],
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

/**
 * Scores each prompt by the probabilities of the next token being a digit. All prompts go to the backend in one
 * call, so backends can evaluate them concurrently. Throws CAPABILITY_MISSING when no digit is visible at all.
 */
export async function scoreDigits(
  backend: ModelBackend,
  prompts: Prompt[],
  options: ScoreDigitsOptions = {},
): Promise<DigitScore[]> {
  throwIfAborted(options.signal);
  if (prompts.length === 0) return [];
  const { candidates } = digitCandidates();
  const results = await backend.nextTokenProbabilities(prompts, candidates, { signal: options.signal });
  if (results.length !== prompts.length) {
    throw new SelfjError('INTERNAL', `Backend ${backend.id} returned ${results.length} results for ${prompts.length} prompts.`);
  }
  return results.map((r, i) => digitScoreFromCandidates(r.probs, i));
}
