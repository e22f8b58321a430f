/** /v1/models, /v1/embeddings, /tokenize and the selfj extensions of `selfj serve`. */
import type { ModelBackend, Prompt } from '@selfj/core';
import { ApiError } from './errors.js';
import type { ServeContext } from './context.js';
import { checkWork, type RequestLimits } from './limits.js';
import { bad, checkModel, kOf, messagesOf, type Body } from './params.js';

export async function embeddings(ctx: ServeContext, body: Body) {
  checkModel(body, ctx.modelName);
  const input = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(input) || !input.length || input.some((t) => typeof t !== 'string')) {
    throw bad('input must be a string or a non-empty array of strings.', 'input');
  }
  checkWork(ctx.limits, input.length, 1);
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
 * prompts. Exact where OpenAI logprobs are a detour: no top-k cut, no whole vocabulary on the wire, the backend's
 * own candidate-to-token resolution. Hidden candidates are null.
 */
export async function candidateProbabilities(ctx: ServeContext, body: Body) {
  checkModel(body, ctx.modelName);
  const { prompts, candidates } = body;
  if (!Array.isArray(prompts) || !prompts.length) throw bad('prompts must be a non-empty array of strings or message arrays.', 'prompts');
  checkWork(ctx.limits, prompts.length, 1);
  const parsed: Prompt[] = prompts.map((p) => (typeof p === 'string' ? p : messagesOf(p, 'prompts')));
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
  const prompt = typeof body.prompt === 'string' ? body.prompt : messagesOf(body.prompt, 'prompt');
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

/**
 * The model list. The `selfj` field reports the served backend's capabilities (chat template, log-probs, context)
 * and this server's request limits, so an OpenAI backend reading it behaves as the backend in-process would.
 */
export function models(backend: ModelBackend, modelName: string, created: number, embedder: boolean, limits: RequestLimits) {
  const caps = backend.capabilities();
  const maxLogprobs = backend.topTokens ? (caps.logprobs === 'full' ? -1 : (caps.k ?? 0)) : 0;
  return {
    object: 'list',
    data: [
      {
        id: modelName,
        object: 'model',
        created,
        owned_by: 'selfj',
        ...(caps.contextSize ? { max_model_len: caps.contextSize } : {}),
        selfj: {
          backend: backend.id,
          max_logprobs: maxLogprobs,
          logprobs: caps.logprobs,
          ...(caps.k !== undefined ? { k: caps.k } : {}),
          candidates: true,
          embeddings: embedder || caps.embeddings,
          chat_template: caps.chatTemplate,
          features: caps.features,
          ...(caps.contextSize ? { context_size: caps.contextSize } : {}),
          limits: { max_prompts: limits.maxPrompts, max_tokens: limits.maxTokens, max_body_bytes: limits.maxBodyBytes },
        },
      },
    ],
  };
}
