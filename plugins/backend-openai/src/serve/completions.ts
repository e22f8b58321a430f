/** POST /v1/completions and /v1/chat/completions of `selfj serve`. */
import { randomUUID } from 'node:crypto';
import type { TopToken } from '@selfj/core';
import { ApiError } from './errors.js';
import { promptTokens, runPrompt, usage, type ServeContext } from './context.js';
import { checkWork } from './limits.js';
import { bad, int, kOf, messagesOf, sampling, type Body } from './params.js';
import { promptLogprobs, type PromptStep, type Step } from './sampling.js';

const utf8 = (s: string) => [...Buffer.from(s, 'utf8')];

/**
 * A JSON map has one entry per text: of tokens that decode to the same text (a piece and its byte-fallback twin)
 * the likelier one, the canonical piece, is kept, as the OpenAI client maps candidates by text.
 */
function logprobMap(top: TopToken[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of top) if (!(t.token in out) || t.logprob > out[t.token]) out[t.token] = t.logprob;
  return out;
}

/** The legacy completions logprobs shape; echoed prompt tokens first (the first with null, as OpenAI does). */
function completionLogprobs(prompt: PromptStep[], steps: Step[]) {
  const all = [
    ...prompt.map((p) => ({ token: p.token, logprob: p.logprob, top: p.top ? logprobMap(p.top) : null })),
    ...steps.map((s) => ({ token: s.chosen.token, logprob: s.chosen.logprob as number | null, top: logprobMap(s.top) as Record<string, number> | null })),
  ];
  let offset = 0;
  const text_offset: number[] = [];
  for (const t of all) {
    text_offset.push(offset);
    offset += t.token.length;
  }
  return { tokens: all.map((t) => t.token), token_logprobs: all.map((t) => t.logprob), top_logprobs: all.map((t) => t.top), text_offset };
}

export async function completions(ctx: ServeContext, body: Body) {
  if (body.best_of !== undefined && body.best_of !== null && body.best_of !== 1) throw bad('Only best_of = 1 is supported.', 'best_of');
  const prompts = typeof body.prompt === 'string' ? [body.prompt] : body.prompt;
  if (!Array.isArray(prompts) || !prompts.length || prompts.some((p) => typeof p !== 'string')) {
    throw bad('prompt must be a string or a non-empty array of strings (token-id prompts are not supported).', 'prompt');
  }
  if (prompts.some((p) => p === '')) throw bad('prompt must not be empty.', 'prompt');
  const echo = body.echo === true;
  const k = body.logprobs === undefined || body.logprobs === null ? undefined : kOf(body.logprobs, 'logprobs');
  // max_tokens 0 with echo scores the prompt alone (a perplexity); otherwise at least one token.
  const maxTokens = int(body, 'max_tokens', 16, echo ? 0 : 1, 1 << 20);
  checkWork(ctx.limits, prompts.length, Math.max(1, maxTokens));
  const o = sampling(body, ctx.modelName);
  if (echo && k !== undefined && !ctx.tokens) {
    throw new ApiError(501, 'echo with logprobs needs token-level access to the model, which this backend does not give.', 'not_implemented', 'echo', 'capability_missing');
  }
  // Several prompts run concurrently: the scheduler interleaves them with other requests' work.
  const results = await Promise.all(
    (prompts as string[]).map(async (prompt, index) => {
      const r = maxTokens === 0 ? { text: '', steps: k === undefined ? undefined : [], finishReason: 'length' as const } : await runPrompt(ctx, prompt, o, k, maxTokens);
      const echoed = echo && k !== undefined ? await promptLogprobs(ctx.tokens!, prompt, k, ctx.signal) : [];
      const promptCount = await promptTokens(ctx.backend, prompt, r, ctx.tokens);
      const completionCount = r.steps?.length ?? ('tokens' in r && r.tokens !== undefined ? r.tokens : 0);
      const logprobs = r.steps ? completionLogprobs(echoed, r.steps) : null;
      const choice = { index, text: (echo ? prompt : '') + r.text, logprobs, finish_reason: r.finishReason };
      return { choice, promptCount, completionCount };
    }),
  );
  return {
    id: `cmpl-${randomUUID()}`,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.modelName,
    choices: results.map((r) => r.choice),
    usage: usage(
      results.reduce((a, r) => a + r.promptCount, 0),
      results.reduce((a, r) => a + r.completionCount, 0),
    ),
  };
}

function chatTop(t: TopToken) {
  return { token: t.token, logprob: t.logprob, bytes: utf8(t.token), ...(t.id !== undefined ? { id: t.id } : {}) };
}

export async function chatCompletions(ctx: ServeContext, body: Body) {
  const messages = messagesOf(body.messages);
  const wantsLogprobs = body.logprobs === true;
  if (body.top_logprobs !== undefined && body.top_logprobs !== null && !wantsLogprobs) {
    throw bad('top_logprobs needs logprobs: true.', 'top_logprobs');
  }
  const k = wantsLogprobs ? (body.top_logprobs === undefined || body.top_logprobs === null ? 0 : kOf(body.top_logprobs, 'top_logprobs')) : undefined;
  const maxKey = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  const maxTokens = int(body, maxKey, 512, 1, 1 << 20);
  checkWork(ctx.limits, 1, maxTokens, maxKey);
  const r = await runPrompt(ctx, messages, sampling(body, ctx.modelName), k, maxTokens);
  const completion = r.steps?.length ?? r.tokens ?? 0;
  const logprobs = r.steps
    ? { content: r.steps.map((s) => ({ ...chatTop(s.chosen), top_logprobs: s.top.map(chatTop) })), refusal: null }
    : null;
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: ctx.modelName,
    choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, logprobs, finish_reason: r.finishReason }],
    usage: usage(await promptTokens(ctx.backend, messages, r, ctx.tokens), completion),
  };
}
