/** The OpenAI routes of `selfj serve`, each a function of (context, JSON body) -> JSON answer. */
import { randomUUID } from 'node:crypto';
import type { ChatMessage, Embedder, ModelBackend, Prompt, TopToken } from '@selfj/core';
import { ApiError } from './errors.js';
import { generateWithLogprobs, type StepResult } from './sampling.js';

export interface ServeContext {
  backend: ModelBackend;
  embedder?: Embedder;
  modelName: string;
  created: number;
  signal: AbortSignal;
}

type Body = Record<string, unknown>;

function bad(message: string, param: string | null = null): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param);
}

function num(body: Body, key: string, def: number, min: number, max: number): number {
  const v = body[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw bad(`${key} must be a number in [${min}, ${max}].`, key);
  return v;
}

function common(ctx: ServeContext, body: Body) {
  if (body.model !== undefined && body.model !== ctx.modelName) {
    throw new ApiError(404, `The model \`${String(body.model)}\` does not exist; this server serves \`${ctx.modelName}\`.`, 'invalid_request_error', 'model', 'model_not_found');
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw bad('Only n = 1 is supported.', 'n');
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string')) throw bad('stop must be a string or an array of strings.', 'stop');
  const seed = body.seed === undefined || body.seed === null ? undefined : num(body, 'seed', 0, -(2 ** 53), 2 ** 53);
  return {
    temperature: num(body, 'temperature', 1, 0, 2),
    topP: num(body, 'top_p', 1, 0, 1),
    seed,
    stop: stop as string[],
  };
}

const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];

async function promptTokens(backend: ModelBackend, prompt: Prompt): Promise<number> {
  try {
    const text = typeof prompt === 'string' ? prompt : prompt.map((m) => m.content).join('\n');
    return (await backend.tokenize(text)).length;
  } catch {
    return 0;
  }
}

function usage(prompt: number, completion: number) {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Requested alternatives: an integer >= 0, or -1 for the whole vocabulary. */
function kOf(v: unknown, param: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) throw bad(`${param} must be an integer >= 0 (or -1 for every token).`, param);
  return v === -1 ? Infinity : v;
}

async function run(ctx: ServeContext, prompt: Prompt, body: Body, k: number | undefined, maxTokens: number) {
  const o = common(ctx, body);
  if (k !== undefined) {
    return generateWithLogprobs(ctx.backend, prompt, { ...o, maxTokens, k, signal: ctx.signal });
  }
  const r = await ctx.backend.generate(prompt, { ...o, maxTokens, signal: ctx.signal });
  return { text: r.text, steps: undefined, finishReason: r.finishReason, tokens: r.tokens };
}

/**
 * A JSON map has one entry per text: of tokens that decode to the same text (a piece and its byte-fallback twin)
 * the likelier one, the canonical piece, is kept, as the OpenAI client maps candidates by text.
 */
function logprobMap(top: TopToken[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of top) if (!(t.token in out) || t.logprob > out[t.token]) out[t.token] = t.logprob;
  return out;
}

function completionLogprobs(steps: StepResult['steps']) {
  let offset = 0;
  const text_offset: number[] = [];
  for (const s of steps) {
    text_offset.push(offset);
    offset += s.chosen.token.length;
  }
  return {
    tokens: steps.map((s) => s.chosen.token),
    token_logprobs: steps.map((s) => s.chosen.logprob),
    top_logprobs: steps.map((s) => logprobMap(s.top)),
    text_offset,
  };
}

export async function completions(ctx: ServeContext, body: Body) {
  if (body.echo === true) throw bad('echo is not supported by selfj serve.', 'echo');
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1) throw bad('Only best_of = 1 is supported.', 'best_of');
  const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
  if (!Array.isArray(prompts) || !prompts.length || prompts.some((p) => typeof p !== 'string')) {
    throw bad('prompt must be a string or a non-empty array of strings (token-id prompts are not supported).', 'prompt');
  }
  if (prompts.some((p) => p === '')) throw bad('prompt must not be empty.', 'prompt');
  const k = body.logprobs === undefined || body.logprobs === null ? undefined : kOf(body.logprobs, 'logprobs');
  const maxTokens = num(body, 'max_tokens', 16, 1, 1 << 20);
  // Several prompts run concurrently: the backend batches them as it can.
  const results = await Promise.all(
    (prompts as string[]).map(async (prompt, index) => {
      const r = await run(ctx, prompt, body, k, maxTokens);
      const promptCount = await promptTokens(ctx.backend, prompt);
      const completionCount = r.steps?.length ?? ('tokens' in r && r.tokens !== undefined ? r.tokens : 0);
      const choice = { index, text: r.text, logprobs: r.steps ? completionLogprobs(r.steps) : null, finish_reason: r.finishReason };
      return { choice, promptCount, completionCount };
    }),
  );
  const choices = results.map((r) => r.choice);
  const promptCount = results.reduce((a, r) => a + r.promptCount, 0);
  const completionCount = results.reduce((a, r) => a + r.completionCount, 0);
  return {
    id: `cmpl-${randomUUID()}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.modelName,
    choices,
    usage: usage(promptCount, completionCount),
  };
}

const ROLES = new Set(['system', 'user', 'assistant', 'developer']);

function messagesOf(v: unknown): ChatMessage[] {
  if (!Array.isArray(v) || !v.length) throw bad('messages must be a non-empty array.', 'messages');
  return v.map((m, i) => {
    const role = (m as { role?: unknown })?.role;
    let content = (m as { content?: unknown })?.content;
    // Content parts: keep the text ones (this server has no image input).
    if (Array.isArray(content)) content = content.map((p) => (p as { text?: string })?.text ?? '').join('');
    if (typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string') {
      throw bad(`messages[${i}] needs a role (system, user, assistant) and text content.`, 'messages');
    }
    return { role: role === 'developer' ? 'system' : (role as ChatMessage['role']), content };
  });
}

export async function chatCompletions(ctx: ServeContext, body: Body) {
  const messages = messagesOf(body.messages);
  const wantsLogprobs = body.logprobs === true;
  if (body.top_logprobs !== undefined && body.top_logprobs !== null && !wantsLogprobs) {
    throw bad('top_logprobs needs logprobs: true.', 'top_logprobs');
  }
  const k = wantsLogprobs ? (body.top_logprobs === undefined || body.top_logprobs === null ? 0 : kOf(body.top_logprobs, 'top_logprobs')) : undefined;
  const maxKey = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = num(body, maxKey, wantsLogprobs ? 1 : 512, 1, 1 << 20);
  const r = await run(ctx, messages, body, k, maxTokens);
  const completion = r.steps?.length ?? ('tokens' in r && r.tokens !== undefined ? r.tokens : 0);
  const logprobs = r.steps
    ? {
        content: r.steps.map((s) => ({
          ...(s.chosen.id !== undefined ? { id: s.chosen.id } : {}),
          token: s.chosen.token,
          logprob: s.chosen.logprob,
          bytes: utf8(s.chosen.token),
          top_logprobs: s.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: utf8(t.token), ...(t.id !== undefined ? { id: t.id } : {}) })),
        })),
        refusal: null,
      }
    : null;
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.modelName,
    choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, logprobs, finish_reason: r.finishReason }],
    usage: usage(await promptTokens(ctx.backend, messages), completion),
  };
}

export async function embeddings(ctx: ServeContext, body: Body) {
  if (body.model !== undefined && body.model !== ctx.modelName) {
    throw new ApiError(404, `The model \`${String(body.model)}\` does not exist; this server serves \`${ctx.modelName}\`.`, 'invalid_request_error', 'model', 'model_not_found');
  }
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || !input.length || input.some((t) => typeof t !== 'string')) {
    throw bad('input must be a string or a non-empty array of strings.', 'input');
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw bad('encoding_format must be "float" or "base64".', 'encoding_format');
  const texts = input as string[];
  let vectors: Float32Array[];
  if (ctx.embedder) {
    const flat = await ctx.embedder.embed(texts, { signal: ctx.signal });
    const dim = ctx.embedder.dim;
    vectors = texts.map((_, i) => flat.subarray(i * dim, (i + 1) * dim));
  } else if (ctx.backend.embed && ctx.backend.capabilities().embeddings) {
    vectors = await ctx.backend.embed(texts, { signal: ctx.signal });
  } else {
    throw new ApiError(501, 'This server has no embedder: start it with --embedder, or serve a backend that embeds.', 'not_implemented', 'input');
  }
  return {
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : Array.from(v),
    })),
    model: ctx.modelName,
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
}

/**
 * selfj extension: candidate probabilities straight from the backend's nextTokenProbabilities, for a batch of
 * prompts (the backend batches them as in-process). Exact where OpenAI logprobs are a detour: no top-k cut, no
 * whole vocabulary on the wire, the backend's own candidate-to-token resolution. Hidden candidates are null.
 */
export async function candidateProbabilities(ctx: ServeContext, body: Body) {
  if (body.model !== undefined && body.model !== ctx.modelName) {
    throw new ApiError(404, `The model \`${String(body.model)}\` does not exist; this server serves \`${ctx.modelName}\`.`, 'invalid_request_error', 'model', 'model_not_found');
  }
  const { prompts, candidates } = body;
  if (!Array.isArray(prompts) || !prompts.length) throw bad('prompts must be a non-empty array of strings or message arrays.', 'prompts');
  const parsed: Prompt[] = prompts.map((p) => (typeof p === 'string' ? p : messagesOf(p)));
  if (!Array.isArray(candidates) || !candidates.length || candidates.some((c) => typeof c !== 'string')) {
    throw bad('candidates must be a non-empty array of strings.', 'candidates');
  }
  const results = await ctx.backend.nextTokenProbabilities(parsed, candidates as string[], { signal: ctx.signal });
  return {
    object: 'selfj.next_token_probabilities',
    model: ctx.modelName,
    results: results.map((r) => ({
      probs: Object.fromEntries(Object.entries(r.probs).map(([c, p]) => [c, p ?? null])),
      coverage: r.coverage,
      ...(r.ids ? { ids: Object.fromEntries(Object.entries(r.ids).map(([c, id]) => [c, id ?? null])) } : {}),
    })),
  };
}

/** selfj extension: the backend's topTokens as is (ids and end-of-generation flags included); k -1 = all. */
export async function topTokens(ctx: ServeContext, body: Body) {
  if (!ctx.backend.topTokens) throw new ApiError(501, 'This backend cannot list its most likely next tokens.', 'not_implemented', null, 'capability_missing');
  const prompt = typeof body.prompt === 'string' ? body.prompt : messagesOf(body.prompt);
  if (prompt === '') throw bad('prompt must not be empty.', 'prompt');
  const k = kOf(body.k ?? -1, 'k');
  return { object: 'selfj.top_tokens', model: ctx.modelName, tokens: await ctx.backend.topTokens(prompt, k, { signal: ctx.signal }) };
}

/** llama.cpp ({content}) and vLLM ({prompt}) request shapes; answers {tokens, count}. */
export async function tokenize(ctx: ServeContext, body: Body) {
  const text = body.content ?? body.prompt ?? body.text;
  if (typeof text !== 'string') throw bad('Send the text as "content" (or "prompt").', 'content');
  const tokens = await ctx.backend.tokenize(text);
  return { tokens, count: tokens.length };
}

export function models(ctx: ServeContext) {
  const caps = ctx.backend.capabilities();
  const maxLogprobs = ctx.backend.topTokens ? (caps.logprobs === 'full' ? -1 : caps.k ?? 0) : 0;
  return {
    object: 'list',
    data: [
      {
        id: ctx.modelName,
        object: 'model',
        created: ctx.created,
        owned_by: 'selfj',
        ...(caps.contextSize ? { max_model_len: caps.contextSize } : {}),
        selfj: {
          backend: ctx.backend.id,
          max_logprobs: maxLogprobs,
          logprobs: caps.logprobs,
          ...(caps.k !== undefined ? { k: caps.k } : {}),
          candidates: true,
          embeddings: Boolean(ctx.embedder) || caps.embeddings,
        },
      },
    ],
  };
}
