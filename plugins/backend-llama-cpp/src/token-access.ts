/** Token-level access of an in-process llama.cpp model (the ModelBackend contract's optional tokenAccess). */
import type { Prompt, TokenAccess } from '@selfj/core';
import type { LlamaModel, Token } from 'node-llama-cpp';
import type { RenderedPrompt } from './prompt.js';

export interface TokenSource {
  model: LlamaModel;
  prepare(prompt: Prompt): RenderedPrompt;
  distribution(tokens: Token[], signal?: AbortSignal): Promise<Map<Token, number>>;
}

export function llamaTokenAccess(b: TokenSource): TokenAccess {
  const m = b.model;
  const bos = m.tokens.bos;
  return {
    render: (prompt) => {
      const r = b.prepare(prompt);
      return { tokens: [...r.tokens] as number[], stopTokens: r.stopTokens as number[][] };
    },
    next: (tokens, signal) => b.distribution(tokens as Token[], signal) as Promise<Map<number, number>>,
    // The last few tokens before it decide whether a leading space shows (SentencePiece).
    text: (id, before) => m.detokenize([id as Token], true, before.slice(-4) as Token[]),
    decode: (ids) => m.detokenize(ids as Token[]),
    isEog: (id) => m.isEogToken(id as Token),
    specialPrefix: (tokens) => (bos !== null && bos !== undefined && tokens[0] === bos ? 1 : 0),
  };
}
