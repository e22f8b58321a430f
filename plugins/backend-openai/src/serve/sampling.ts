/**
 * Token-by-token generation for requests that want log-probs: each step asks the backend for its top tokens after
 * prompt + text so far, picks one (greedy at temperature 0, else a seeded sample with temperature and top-p), and
 * records the alternatives. The prompt is re-tokenised each step, so this is meant for short outputs (scores).
 */
import { rng, type ModelBackend, type Prompt, type TopToken } from '@selfj/core';
import { ApiError } from './errors.js';

export interface StepResult {
  text: string;
  /** Chosen token and the k best alternatives at each generated position. */
  steps: { chosen: TopToken; top: TopToken[] }[];
  finishReason: 'stop' | 'length';
}

export interface StepOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  seed?: number;
  stop: string[];
  /** Alternatives to report per position (Infinity = all). */
  k: number;
  signal: AbortSignal;
}

/** Samples from `top` (most likely first) with temperature and nucleus (top-p) filtering. */
export function sampleToken(top: TopToken[], temperature: number, topP: number, random: () => number): TopToken {
  if (temperature <= 0 || top.length === 1) return top[0];
  const scaled = top.map((t) => t.logprob / temperature);
  const max = Math.max(...scaled);
  const w = scaled.map((s) => Math.exp(s - max));
  const total = w.reduce((a, b) => a + b, 0);
  let keep = top.length;
  if (topP < 1) {
    let acc = 0;
    for (let i = 0; i < w.length; i++) {
      acc += w[i] / total;
      if (acc >= topP) {
        keep = i + 1;
        break;
      }
    }
  }
  const kept = w.slice(0, keep);
  let r = random() * kept.reduce((a, b) => a + b, 0);
  for (let i = 0; i < kept.length; i++) {
    r -= kept[i];
    if (r <= 0) return top[i];
  }
  return top[keep - 1];
}

export async function generateWithLogprobs(backend: ModelBackend, prompt: Prompt, o: StepOptions): Promise<StepResult> {
  const topTokens = backend.topTokens?.bind(backend);
  if (!topTokens) {
    throw new ApiError(501, 'This backend cannot list its most likely next tokens, so logprobs are not available.', 'not_implemented', 'logprobs');
  }
  if (typeof prompt !== 'string' && o.maxTokens > 1) {
    throw new ApiError(400, 'selfj serve returns logprobs on chat completions for max_tokens = 1 only; use /v1/completions for longer outputs.', 'invalid_request_error', 'max_tokens');
  }
  const random = rng(o.seed ?? Math.floor(Math.random() * 2 ** 32));
  const want = o.temperature > 0 ? Infinity : Math.max(1, o.k);
  const steps: StepResult['steps'] = [];
  let text = '';
  for (let i = 0; i < o.maxTokens; i++) {
    const top = await topTokens(typeof prompt === 'string' ? prompt + text : prompt, want, { signal: o.signal });
    if (!top.length) break;
    const chosen = sampleToken(top, o.temperature, o.topP, random);
    if (chosen.eog) return { text, steps, finishReason: 'stop' };
    steps.push({ chosen, top: Number.isFinite(o.k) ? top.slice(0, o.k) : top });
    text += chosen.token;
    const hit = o.stop.map((s) => text.indexOf(s)).filter((j) => j >= 0);
    if (hit.length) return { text: text.slice(0, Math.min(...hit)), steps, finishReason: 'stop' };
  }
  return { text, steps, finishReason: 'length' };
}
