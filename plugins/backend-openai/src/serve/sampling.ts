/**
 * Token-by-token generation for requests that want log-probs, and the log-probs of a prompt's own tokens (echo).
 * With token access (token-access.ts) each step extends the exact token sequence: chat answers of any length, and
 * greedy text equal to the backend's own generate(). Without it, each step asks topTokens after prompt + text so
 * far (the text re-tokenised), which works for string prompts only. Each step re-evaluates the sequence: meant
 * for short outputs (scores, short answers).
 */
import { rng } from '@selfj/core/infra';
import { type ModelBackend, type Prompt, type TopToken } from '@selfj/core';
import { ApiError } from './errors.js';
import type { TokenAccess } from './token-access.js';

export interface Step {
  chosen: TopToken;
  /** The k best alternatives at this position. */
  top: TopToken[];
}

export interface StepResult {
  text: string;
  steps: Step[];
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

/** The most likely `k` tokens of a distribution as TopTokens (texts after `before`). */
function topOf(access: TokenAccess, dist: Map<number, number>, k: number, before: number[]): TopToken[] {
  const out: TopToken[] = [];
  for (const [id, p] of dist) {
    if (out.length >= k) break;
    out.push({ token: access.text(id, before), logprob: Math.log(p), id, ...(access.isEog(id) ? { eog: true } : {}) });
  }
  return out;
}

function endsWith(tokens: number[], tail: number[]): boolean {
  if (!tail.length || tail.length > tokens.length) return false;
  for (let i = 1; i <= tail.length; i++) if (tokens[tokens.length - i] !== tail[tail.length - i]) return false;
  return true;
}

function stopAt(text: string, stops: string[]): number {
  const hits = stops.map((s) => text.indexOf(s)).filter((j) => j >= 0);
  return hits.length ? Math.min(...hits) : -1;
}

export async function generateWithLogprobs(backend: ModelBackend, access: TokenAccess | undefined, prompt: Prompt, o: StepOptions): Promise<StepResult> {
  const random = rng(o.seed ?? Math.floor(Math.random() * 2 ** 32));
  if (access) return withTokens(access, prompt, o, random);
  const topTokens = backend.topTokens?.bind(backend);
  if (!topTokens) {
    throw new ApiError(501, 'This backend cannot list its most likely next tokens, so logprobs are not available.', 'not_implemented', 'logprobs', 'capability_missing');
  }
  if (typeof prompt !== 'string' && o.maxTokens > 1) {
    throw new ApiError(501, 'This backend cannot continue a chat answer token by token, so chat logprobs need max_tokens = 1 here (or use /v1/completions).', 'not_implemented', 'max_tokens', 'capability_missing');
  }
  const want = o.temperature > 0 ? Infinity : Math.max(1, o.k);
  const steps: Step[] = [];
  let text = '';
  for (let i = 0; i < o.maxTokens; i++) {
    const top = await topTokens(typeof prompt === 'string' ? prompt + text : prompt, want, { signal: o.signal });
    if (!top.length) break;
    const chosen = sampleToken(top, o.temperature, o.topP, random);
    if (chosen.eog) return { text, steps, finishReason: 'stop' };
    steps.push({ chosen, top: Number.isFinite(o.k) ? top.slice(0, o.k) : top });
    text += chosen.token;
    const cut = stopAt(text, o.stop);
    if (cut >= 0) return { text: text.slice(0, cut), steps, finishReason: 'stop' };
  }
  return { text, steps, finishReason: 'length' };
}

async function withTokens(access: TokenAccess, prompt: Prompt, o: StepOptions, random: () => number): Promise<StepResult> {
  const { tokens, stopTokens } = access.render(prompt);
  const generated: number[] = [];
  const steps: Step[] = [];
  for (let i = 0; i < o.maxTokens; i++) {
    const before = [...tokens, ...generated];
    const dist = await access.next(before, o.signal);
    if (!dist.size) break;
    // Sampling looks at the whole distribution, greedy at the best token; only reported tokens get their text.
    const ranked: TopToken[] = [];
    for (const [id, p] of dist) {
      ranked.push({ token: '', logprob: Math.log(p), id });
      if (o.temperature <= 0) break;
    }
    const pick = sampleToken(ranked, o.temperature, o.topP, random);
    const id = pick.id!;
    if (access.isEog(id)) return { text: access.decode(generated), steps, finishReason: 'stop' };
    const chosen: TopToken = { token: access.text(id, before), logprob: pick.logprob, id };
    generated.push(id);
    steps.push({ chosen, top: topOf(access, dist, o.k, before) });
    const hitTokens = stopTokens.find((t) => endsWith(generated, t));
    if (hitTokens) {
      generated.splice(generated.length - hitTokens.length);
      steps.splice(steps.length - hitTokens.length);
      return { text: access.decode(generated), steps, finishReason: 'stop' };
    }
    if (o.stop.length) {
      const text = access.decode(generated);
      const cut = stopAt(text, o.stop);
      if (cut >= 0) return { text: text.slice(0, cut), steps, finishReason: 'stop' };
    }
  }
  return { text: access.decode(generated), steps, finishReason: 'length' };
}

/** One prompt token with its log-prob given the tokens before it (null for the first) and the k best alternatives. */
export interface PromptStep {
  token: string;
  logprob: number | null;
  top: TopToken[] | null;
}

/** Log-probs of the prompt's own tokens (OpenAI `echo` with `logprobs`): one distribution per position. */
export async function promptLogprobs(access: TokenAccess, prompt: string, k: number, signal: AbortSignal): Promise<PromptStep[]> {
  const { tokens } = access.render(prompt);
  const start = access.specialPrefix(tokens);
  const out: PromptStep[] = [];
  for (let i = start; i < tokens.length; i++) {
    const before = tokens.slice(0, i);
    const token = access.text(tokens[i], before.slice(start));
    if (i === start) {
      // Like OpenAI and vLLM: the first prompt token has no log-prob.
      out.push({ token, logprob: null, top: null });
      continue;
    }
    const dist = await access.next(before, signal);
    const p = dist.get(tokens[i]) ?? 0;
    out.push({ token, logprob: Math.log(p), top: k > 0 ? topOf(access, dist, k, before) : [] });
  }
  return out;
}
