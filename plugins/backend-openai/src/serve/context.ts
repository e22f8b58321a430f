/** What a route of `selfj serve` works with: the backend as this request sees it (scheduled), and the limits. */
import type { Embedder, ModelBackend, Prompt } from '@selfj/core';
import type { RequestLimits } from './limits.js';
import { generateWithLogprobs, type StepResult } from './sampling.js';
import type { Sampling } from './params.js';
import type { TokenAccess } from './token-access.js';

export interface ServeContext {
  backend: ModelBackend;
  embedder?: Embedder;
  /** Token-level access to the model, when the backend gives it (every step scheduled like other work). */
  tokens?: TokenAccess;
  modelName: string;
  created: number;
  signal: AbortSignal;
  limits: RequestLimits;
}

export type Generation = { text: string; steps?: StepResult['steps']; finishReason: 'stop' | 'length'; tokens?: number; promptTokens?: number };

/** One prompt's answer: token by token with log-probs when `k` is set, else the backend's own generate(). */
export async function runPrompt(ctx: ServeContext, prompt: Prompt, o: Sampling, k: number | undefined, maxTokens: number): Promise<Generation> {
  if (k !== undefined) return generateWithLogprobs(ctx.backend, ctx.tokens, prompt, { ...o, maxTokens, k, signal: ctx.signal });
  const r = await ctx.backend.generate(prompt, { ...o, maxTokens, signal: ctx.signal });
  return { text: r.text, finishReason: r.finishReason, tokens: r.tokens, promptTokens: r.promptTokens };
}

/**
 * The prompt's length in tokens for `usage`: what the backend says it read (template and BOS included) when its
 * generate() told us, or the rendered prompt with token-level access; else the tokenized text of the prompt
 * (without the template: an estimate).
 */
export async function promptTokens(backend: ModelBackend, prompt: Prompt, read?: Generation, access?: TokenAccess): Promise<number> {
  if (read?.promptTokens !== undefined) return read.promptTokens;
  try {
    if (access) return access.render(prompt).tokens.length;
    const text = typeof prompt === 'string' ? prompt : prompt.map((m) => m.content).join('\n');
    return (await backend.tokenize(text)).length;
  } catch {
    return 0;
  }
}

export function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
