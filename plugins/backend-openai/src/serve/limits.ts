/**
 * Per-request work limits of `selfj serve`. A request over them is refused before any work starts: 413 when it
 * carries too many prompts or tokens in total (the client can split it), 400 when one prompt asks for more tokens
 * than a whole request may have. The limits are published in /v1/models so clients size their batches.
 */
import { ApiError } from './errors.js';
import { bad } from './params.js';

export interface RequestLimits {
  /** Prompts (or texts, for embeddings) in one request (default 256). */
  maxPrompts: number;
  /** Prompts x max_tokens in one request (default 65536). */
  maxTokens: number;
  /** Request body size (default 16 MiB). */
  maxBodyBytes: number;
}

export const DEFAULT_LIMITS: RequestLimits = { maxPrompts: 256, maxTokens: 65_536, maxBodyBytes: 16 * 1024 * 1024 };

export function tooLarge(message: string): ApiError {
  return new ApiError(413, message, 'invalid_request_error', null, 'request_too_large');
}

/** Refuses a request of `prompts` prompts generating up to `tokensEach` tokens each, when over the limits. */
export function checkWork(limits: RequestLimits, prompts: number, tokensEach: number, param = 'max_tokens'): void {
  if (prompts > limits.maxPrompts) {
    throw tooLarge(`This request has ${prompts} prompts; this server takes at most ${limits.maxPrompts} per request. Send them in smaller batches.`);
  }
  if (tokensEach > limits.maxTokens) {
    throw bad(`${param} ${tokensEach} is over this server's limit of ${limits.maxTokens} tokens per request.`, param);
  }
  if (prompts * tokensEach > limits.maxTokens) {
    throw tooLarge(
      `This request asks for up to ${prompts} x ${tokensEach} = ${prompts * tokensEach} tokens; this server takes at most ${limits.maxTokens} per request. Send fewer prompts per request.`,
    );
  }
}
