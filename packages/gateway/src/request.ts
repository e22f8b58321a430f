/**
 * OpenAI request bodies as the gateway reads them (zod; a problem is a 400 naming the field). Chat requests are
 * answered as the conversation they are, and judged on their last user message; a completions `prompt` is the
 * instruction itself, answered with the sample template exactly as `selfj sample` answers it (so live answers
 * come from the distribution the threshold was calibrated on). Fields the gateway cannot honour (tools, log-probs,
 * echo, several prompts) are refused rather than silently dropped. The `selfj` field chooses the mode and n.
 */
import { z } from 'zod';
import type { ChatMessage, GatewayConfig, GatewayMode, SampleSettings } from '@selfj/core';
import { ApiError } from './errors.js';

export interface GatewayRequest {
  kind: 'chat' | 'completions';
  /** What the judge reads as the instruction. */
  instruction: string;
  /** Chat: the whole conversation, answered as is. */
  messages?: ChatMessage[];
  settings: SampleSettings;
  seed?: number;
  stream: boolean;
  includeUsage: boolean;
  mode: GatewayMode;
  /** Answers to sample (best-of-n: candidates; other modes: 1). */
  n: number;
  model: string;
}

const MODES = ['gate', 'best-of-n', 'cascade', 'shadow'] as const;
const nullish = <T extends z.ZodType>(s: T) => s.nullable().optional();
const text = z.union([z.string(), z.array(z.looseObject({ type: z.string().optional(), text: z.string().optional() }))]);

const common = {
  model: nullish(z.string()),
  temperature: nullish(z.number().min(0).max(2)),
  top_p: nullish(z.number().min(0).max(1)),
  max_tokens: nullish(z.int().min(1)),
  stop: nullish(z.union([z.string(), z.array(z.string()).max(16)])),
  seed: nullish(z.int()),
  n: nullish(z.int().min(1)),
  stream: nullish(z.boolean()),
  stream_options: nullish(z.looseObject({ include_usage: nullish(z.boolean()) })),
  selfj: nullish(
    z.strictObject({
      mode: z.enum(MODES).optional(),
      n: z.int().min(1).optional(),
    }),
  ),
};

const chatBody = z.looseObject({
  ...common,
  messages: z
    .array(z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: nullish(text) }))
    .min(1),
  max_completion_tokens: nullish(z.int().min(1)),
});

const completionsBody = z.looseObject({
  ...common,
  prompt: z.union([z.string().min(1), z.array(z.string().min(1)).length(1)]),
});

/** Fields that would change the answer in ways the gateway cannot honour: refused by name. */
const REFUSED: Record<string, (v: unknown) => boolean> = {
  tools: (v) => Array.isArray(v) && v.length > 0,
  functions: (v) => Array.isArray(v) && v.length > 0,
  tool_choice: (v) => v !== 'none',
  function_call: (v) => v !== 'none',
  logprobs: (v) => v !== false && v !== 0,
  top_logprobs: (v) => v !== 0,
  echo: (v) => v === true,
  best_of: (v) => v !== 1,
  suffix: (v) => typeof v === 'string' && v.length > 0,
  response_format: (v) => (v as { type?: string })?.type !== 'text',
};

function zodError(e: z.ZodError): ApiError {
  const issue = e.issues[0];
  const param = issue.path.map(String).join('.') || null;
  return new ApiError(400, `${param ?? 'body'}: ${issue.message}`, 'invalid_request_error', param);
}

const contentText = (c: unknown): string =>
  typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('') : '';

export interface RequestDefaults {
  config: GatewayConfig;
  sample: { maxTokens: number; temperature: number; topP: number; stop?: string[] };
  modelName: string;
}

export function parseRequest(kind: 'chat' | 'completions', body: unknown, d: RequestDefaults): GatewayRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'The request body must be a JSON object.');
  const raw = body as Record<string, unknown>;
  for (const [field, refused] of Object.entries(REFUSED)) {
    if (raw[field] !== undefined && raw[field] !== null && refused(raw[field])) {
      throw new ApiError(400, `${field} is not supported by the selfj gateway (the judge scores plain text answers).`, 'invalid_request_error', field, 'unsupported_parameter');
    }
  }
  const parsed = (kind === 'chat' ? chatBody : completionsBody).safeParse(body);
  if (!parsed.success) throw zodError(parsed.error);
  const b = parsed.data as z.output<typeof chatBody> & z.output<typeof completionsBody>;
  if (b.model && b.model !== d.modelName) {
    throw new ApiError(404, `The model \`${b.model}\` does not exist; this gateway serves \`${d.modelName}\`.`, 'invalid_request_error', 'model', 'model_not_found');
  }
  const c = d.config;
  const mode = b.selfj?.mode ?? c.mode;
  if (b.selfj?.mode && b.selfj.mode !== c.mode && !c.allowModes.includes(b.selfj.mode)) {
    throw new ApiError(400, `This gateway does not let a request choose the mode "${b.selfj.mode}" (allowed: ${[c.mode, ...c.allowModes.filter((m) => m !== c.mode)].join(', ')}).`, 'invalid_request_error', 'selfj.mode');
  }
  const asked = b.selfj?.n ?? b.n ?? undefined;
  if (asked !== undefined && asked > c.maxN) throw new ApiError(400, `n = ${asked} is over this gateway's limit of ${c.maxN}.`, 'invalid_request_error', b.selfj?.n !== undefined ? 'selfj.n' : 'n');
  if (mode !== 'best-of-n' && asked !== undefined && asked > 1) {
    throw new ApiError(400, `n > 1 needs the best-of-n mode ("selfj": {"mode": "best-of-n"}): the gateway returns one answer.`, 'invalid_request_error', 'n');
  }
  const n = mode === 'best-of-n' ? (asked ?? c.n) : 1;
  const maxTokens = b.max_completion_tokens ?? b.max_tokens ?? d.sample.maxTokens;
  const stop = b.stop === undefined || b.stop === null ? d.sample.stop : typeof b.stop === 'string' ? [b.stop] : b.stop;
  const settings: SampleSettings = {
    maxTokens,
    temperature: b.temperature ?? d.sample.temperature,
    topP: b.top_p ?? d.sample.topP,
    ...(stop?.length ? { stop } : {}),
  };
  let instruction: string;
  let messages: ChatMessage[] | undefined;
  if (kind === 'chat') {
    messages = b.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: contentText(m.content) }));
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    if (!lastUser?.content.trim()) throw new ApiError(400, 'messages must contain a user message with text: the judge scores the answer to it.', 'invalid_request_error', 'messages');
    instruction = lastUser.content;
  } else {
    instruction = typeof b.prompt === 'string' ? b.prompt : b.prompt[0];
  }
  return {
    kind,
    instruction,
    messages,
    settings,
    seed: b.seed ?? undefined,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    mode,
    n,
    model: d.modelName,
  };
}
