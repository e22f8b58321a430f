/**
 * Token-level access to a served model, for log-probs of every generated token (chat included) and for `echo`
 * (log-probs of the prompt's own tokens): the rendered prompt's token ids, the whole next-token distribution after
 * any token sequence, and token text. The ModelBackend contract has no such calls (its topTokens takes a prompt,
 * so a chat answer cannot be continued token by token), so `selfj serve` reads them from a backend that exposes
 * them: LlamaCppBackend does (prepare, distribution, model.detokenize); any backend can pass its own TokenAccess.
 */
import type { Prompt } from '@selfj/core';

export interface TokenAccess {
  /** The prompt as the backend evaluates it: token ids (BOS included) and the chat template's stop sequences. */
  render(prompt: Prompt): { tokens: number[]; stopTokens: number[][] };
  /** The whole next-token distribution after `tokens`: id -> probability, most likely first. */
  next(tokens: number[], signal?: AbortSignal): Promise<Map<number, number>>;
  /** Text of one token after the tokens before it (so a leading space shows). */
  text(id: number, before: number[]): string;
  /** Text of a generated sequence (as the backend's generate decodes it). */
  decode(ids: number[]): string;
  isEog(id: number): boolean;
  /** Leading tokens of render().tokens that are not prompt text (BOS). */
  specialPrefix(tokens: number[]): number;
}

interface LlamaShaped {
  prepare(prompt: Prompt): { tokens: number[]; stopTokens: number[][] };
  distribution(tokens: number[], signal?: AbortSignal): Promise<Map<number, number>>;
  model: {
    detokenize(tokens: number[], specialTokens?: boolean, lastTokens?: number[]): string;
    isEogToken(token: number): boolean;
    tokens: { bos: number | null };
  };
}

function llamaShaped(b: unknown): b is LlamaShaped {
  const x = b as Partial<LlamaShaped> | undefined;
  return typeof x?.prepare === 'function' && typeof x.distribution === 'function' && typeof x.model?.detokenize === 'function' && typeof x.model.isEogToken === 'function';
}

/** Token access of an in-process llama.cpp backend (or anything shaped like it); undefined otherwise. */
export function tokenAccessOf(backend: unknown): TokenAccess | undefined {
  if (!llamaShaped(backend)) return undefined;
  const m = backend.model;
  return {
    render: (prompt) => {
      const r = backend.prepare(prompt);
      return { tokens: [...r.tokens], stopTokens: r.stopTokens };
    },
    next: (tokens, signal) => backend.distribution(tokens, signal),
    text: (id, before) => m.detokenize([id], true, before.slice(-4)),
    decode: (ids) => m.detokenize(ids),
    isEog: (id) => m.isEogToken(id),
    specialPrefix: (tokens) => (m.tokens?.bos !== null && m.tokens?.bos !== undefined && tokens[0] === m.tokens.bos ? 1 : 0),
  };
}
