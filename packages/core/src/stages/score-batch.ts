/** Scoring prompts in batches, falling back to one by one so that a single bad prompt is blamed alone. */
import type { ModelBackend, Prompt } from '../contracts/backend.js';
import { scoreDigitsSettled, type DigitScore } from './digit-scoring.js';
import { SelfjError, isSelfjError } from '../errors.js';
import type { Semaphore } from '../infra/limiter.js';

/** Errors that belong to one item (reject it) rather than to the run (stop it). */
export function perItemError(e: unknown): boolean {
  return isSelfjError(e) && (e.code === 'PROMPT_TOO_LONG' || e.code === 'BAD_RECORD' || e.code === 'BAD_INPUT');
}

/**
 * One result per prompt: a DigitScore, or the error that prompt alone caused (no digit visible, digit mass below
 * `minDigitMass`, too long for the context...): one such item never stops the others.
 */
export async function scoreDigitsEach(
  backend: ModelBackend,
  prompts: Prompt[],
  limiter: Semaphore,
  signal?: AbortSignal,
  minDigitMass = 0,
): Promise<(DigitScore | Error)[]> {
  const score = (ps: Prompt[]) => limiter.run(() => scoreDigitsSettled(backend, ps, { signal, minDigitMass }));
  try {
    return await score(prompts);
  } catch (e) {
    if (!perItemError(e) || prompts.length === 1) {
      if (perItemError(e)) return [e as Error];
      throw e;
    }
  }
  const out: (DigitScore | Error)[] = [];
  for (const p of prompts) {
    try {
      out.push((await score([p]))[0]);
    } catch (e) {
      if (!perItemError(e)) throw e;
      out.push(e as Error);
    }
  }
  return out;
}

/** Hidden-state features per prompt, with the same one-by-one fallback. */
export async function featuresEach(
  backend: ModelBackend,
  prompts: Prompt[],
  limiter: Semaphore,
  signal?: AbortSignal,
): Promise<(Float32Array | Error)[]> {
  if (!backend.features || !backend.capabilities().features) {
    throw new SelfjError('CAPABILITY_MISSING', `Backend ${backend.id} cannot return hidden-state features, which the head trainer needs.`, {
      solutions: ['Use the llama-cpp backend (in-process) for training and trained judging', 'Or judge zero-shot (no --judge)', 'Or use `selfj export` to train a LoRA judge elsewhere'],
    });
  }
  const f = backend.features.bind(backend);
  try {
    return await limiter.run(() => f(prompts, { signal }));
  } catch (e) {
    if (!perItemError(e) || prompts.length === 1) {
      if (perItemError(e)) return [e as Error];
      throw e;
    }
  }
  const out: (Float32Array | Error)[] = [];
  for (const p of prompts) {
    try {
      out.push((await limiter.run(() => f([p], { signal })))[0]);
    } catch (e) {
      if (!perItemError(e)) throw e;
      out.push(e as Error);
    }
  }
  return out;
}
