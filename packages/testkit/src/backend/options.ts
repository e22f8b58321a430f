/**
 * What a backend is tested for. Every field is optional: what is not given is read from `capabilities()`, so the
 * suite holds a backend to its own claims. Giving a field also asserts that capabilities() says the same.
 */
import type { BackendCapabilities, ModelBackend } from '@selfj/core';
import { DEFAULT_CONFORMANCE_PROMPTS } from '../prompts.js';

export interface ConformanceOptions {
  /** What the backend returns: the full vocabulary distribution, only the top k, or nothing. */
  logprobs?: 'full' | 'topK' | 'none';
  /** With logprobs 'topK': the k the backend promises. */
  k?: number;
  /** Digits "0".."9" are single tokens after a prompt in this tokenizer (default true with logprobs 'full'). */
  singleTokenDigits?: boolean;
  /** The backend can generate text (default true). */
  generation?: boolean;
  /** The same seed gives the same sampled text at temperature > 0 (default true when it generates). */
  seededSampling?: boolean;
  /** Check `features` / `embed` (default: what capabilities() says). */
  features?: boolean;
  embeddings?: boolean;
  /** The backend rejects prompts longer than capabilities().contextSize with PROMPT_TOO_LONG (default true). */
  checksPromptLength?: boolean;
  /** Allowed difference of a probability or vector entry between batch size 1 and 16 (default 1e-5). */
  batchTolerance?: number;
  /** Prompts after which a score digit is plausible (at least 16; defaults provided). */
  prompts?: string[];
  /** Per-check timeout in ms (default 120000). */
  timeoutMs?: number;
}

/** The resolved claims a run checks. */
export interface BackendClaims {
  logprobs: 'full' | 'topK' | 'none';
  k?: number;
  singleTokenDigits: boolean;
  generation: boolean;
  seededSampling: boolean;
  features: boolean;
  embeddings: boolean;
  checksPromptLength: boolean;
  contextSize?: number;
}

export function resolveClaims(o: ConformanceOptions, caps: BackendCapabilities): BackendClaims {
  const logprobs = o.logprobs ?? caps.logprobs;
  const generation = o.generation ?? true;
  return {
    logprobs,
    k: o.k ?? caps.k,
    singleTokenDigits: o.singleTokenDigits ?? logprobs === 'full',
    generation,
    seededSampling: generation && (o.seededSampling ?? true),
    features: o.features ?? caps.features,
    embeddings: o.embeddings ?? caps.embeddings,
    checksPromptLength: o.checksPromptLength ?? true,
    contextSize: caps.contextSize,
  };
}

/** What every check of one backend run shares. */
export interface BackendHarness {
  name: string;
  options: ConformanceOptions;
  backend(): ModelBackend;
  claims(): BackendClaims;
  prompts: string[];
  tol: number;
  timeout: number;
}

export function promptsOf(o: ConformanceOptions): string[] {
  return o.prompts ?? DEFAULT_CONFORMANCE_PROMPTS;
}
