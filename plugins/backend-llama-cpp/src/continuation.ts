/**
 * ModelBackend.scoreContinuation on llama.cpp: the summed natural-log probability of a continuation's tokens after
 * a prompt, each read from the model's full next-token distribution at the position before it. The prompt and the
 * continuation are tokenized together (as lm-evaluation-harness does), so the tokenizer's merges decide where the
 * continuation's tokens start; they are the tokens after the longest prefix shared with the prompt's own tokens.
 */
import { LlamaText, type LlamaContextSequence, type LlamaModel, type Token } from 'node-llama-cpp';
import { SelfjError, throwIfAborted, type ContinuationScore } from '@selfj/core';
import type { RenderedPrompt } from './prompt.js';

/** Full next-token distribution (temperature 0 keeps node-llama-cpp from truncating the map). */
const NEXT_PROBS = { generateNext: { probabilities: true, options: { temperature: 0 } } } as const;

/** The whole token sequence and where the continuation starts in it. */
export function continuationTokens(model: LlamaModel, rendered: RenderedPrompt, continuation: string): { tokens: Token[]; start: number } {
  let full =
    rendered.raw !== undefined ? model.tokenize(rendered.raw + continuation, false) : LlamaText([rendered.text, continuation]).tokenize(model.tokenizer);
  const first = rendered.tokens[0];
  if (first !== undefined && first === model.tokens.bos && full[0] !== first) full = [first, ...full];
  let start = 0;
  while (start < rendered.tokens.length && start < full.length && full[start] === rendered.tokens[start]) start++;
  // at least one prompt token must stay in front: the first continuation token is predicted from it
  return { tokens: full, start: Math.max(1, start) };
}

/**
 * Scores one continuation on a sequence. `chunk` is the backend's fixed evaluation piece size (batch-invariant
 * results); positions before the continuation are evaluated without reading distributions.
 */
export async function scoreOnSequence(
  seq: LlamaContextSequence,
  tokens: Token[],
  start: number,
  chunk: number,
  signal?: AbortSignal,
): Promise<ContinuationScore> {
  const count = tokens.length - start;
  if (count <= 0) return { logprob: 0, tokens: 0 };
  await seq.clearHistory();
  let logprob = 0;
  // the distribution at position i predicts token i + 1: positions start-1 .. n-2 are needed; the last token is never evaluated
  const last = tokens.length - 1;
  for (let from = 0; from < last; from += chunk) {
    const piece = tokens.slice(from, Math.min(from + chunk, last));
    if (from + piece.length <= start - 1) {
      await seq.evaluateWithoutGeneratingNewTokens(piece);
    } else {
      const out = await seq.controlledEvaluate(piece.map((t, j) => (from + j >= start - 1 ? [t, NEXT_PROBS] : t)));
      for (let j = 0; j < piece.length; j++) {
        const i = from + j;
        if (i < start - 1) continue;
        const probs = out[j]?.next.probabilities;
        if (!probs) throw new SelfjError('INTERNAL', 'llama.cpp returned no next-token probabilities.');
        logprob += Math.log(probs.get(tokens[i + 1]) ?? 0);
      }
    }
    throwIfAborted(signal);
  }
  return { logprob, tokens: count };
}
