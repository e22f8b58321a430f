/**
 * Sampler: answers from a policy. Stage 1 (sample) and the gateway's upstream call this, never a backend directly,
 * so a plugin can put any answer source behind them (a backend with a prompt template, a recorded file, an agent).
 */
import type { ChatMessage } from './backend.js';

export interface SampleRequest {
  /** The instruction as the user wrote it (templates and judges read it). */
  instruction: string;
  /** A whole conversation to answer as is (the gateway's callers send one); when set, no template is applied. */
  messages?: ChatMessage[];
  /** Per-request seed: the same seed gives the same answer where the sampler can promise it. */
  seed?: number;
  /** The input record as read (every field): for samplers that answer from the data, e.g. a recorded response. */
  record?: Readonly<Record<string, unknown>>;
}

export interface SampleSettings {
  /** Answers per request (default 1). */
  n?: number;
  maxTokens: number;
  temperature: number;
  topP: number;
  stop?: string[];
}

export interface SampledAnswer {
  text: string;
  finishReason: 'stop' | 'length';
  /** Generated tokens, when known. */
  tokens?: number;
  /** Tokens of the prompt as the model read it, when known (for usage reports). */
  promptTokens?: number;
}

export interface Sampler {
  readonly id: string;
  /** Everything that changes the answers (model fingerprint, template hash): goes into artifact config hashes. */
  fingerprint(): Promise<Record<string, unknown>>;
  /**
   * One entry per request, in order: its answers (n of them), or the Error that request alone caused (a
   * `SelfjError` with code BAD_RECORD or PROMPT_TOO_LONG rejects just that record). Faults of the machinery
   * (server down, aborted) are thrown instead.
   */
  sample(requests: SampleRequest[], settings: SampleSettings, options?: { signal?: AbortSignal }): Promise<(SampledAnswer[] | Error)[]>;
  close?(): Promise<void>;
}
