/**
 * Outcomes in OpenAI's response shapes. A decline is a normal assistant message (so every client keeps working)
 * or, with declineAs "error", HTTP 422 with a typed error; either way the `selfj` object ({score, tau, decision,
 * reason, mode, candidates?}) rides along and the X-Selfj-* headers say the same. `stream: true` gets the finished
 * answer as server-sent events in OpenAI's chunk shapes, the `selfj` object on the last chunk.
 */
import type { Outcome } from './modes.js';
import type { GatewayRequest } from './request.js';
import { declineText } from './verdict.js';

export interface SelfjExtension {
  score: number | null;
  tau: number | null;
  decision: Outcome['decision'];
  reason: string;
  mode: Outcome['mode'];
  /** Which upstream's answer this is (none: declined). */
  source: Outcome['source'];
  candidates?: Outcome['candidates'];
  chosen?: number;
  /** The threshold file's content hash, so a decision can be traced to its tau. */
  threshold: string;
}

export function extensionOf(o: Outcome, thresholdHash: string): SelfjExtension {
  return {
    score: o.score,
    tau: o.tau,
    decision: o.decision,
    reason: o.reason,
    mode: o.mode,
    source: o.source,
    ...(o.candidates ? { candidates: o.candidates, chosen: o.chosen } : {}),
    threshold: thresholdHash,
  };
}

export function selfjHeaders(o: Outcome, requestId: string): Record<string, string> {
  return {
    'x-request-id': requestId,
    'x-selfj-decision': o.decision,
    'x-selfj-score': o.score === null ? 'none' : String(o.score),
    'x-selfj-tau': o.tau === null ? 'none' : String(o.tau),
    'x-selfj-mode': o.mode,
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** A JSON body, or the whole SSE text. */
  body: unknown;
  sse: boolean;
}

/** The text the client receives: the answer, or the filled-in decline message. */
function textOf(o: Outcome, declineTemplate: string): { text: string; declined: boolean; finish: 'stop' | 'length' } {
  if (o.answer) return { text: o.answer.text, declined: false, finish: o.answer.finishReason };
  return { text: declineText(declineTemplate, o, o.tau), declined: true, finish: 'stop' };
}

export function buildReply(r: GatewayRequest, o: Outcome, c: { requestId: string; created: number; declineMessage: string; declineAs: 'message' | 'error'; thresholdHash: string }): Reply {
  const headers = selfjHeaders(o, c.requestId);
  const selfj = extensionOf(o, c.thresholdHash);
  const { text, declined, finish } = textOf(o, c.declineMessage);
  if (declined && c.declineAs === 'error') {
    return { status: 422, headers, sse: false, body: { error: { message: text, type: 'declined', param: null, code: 'selfj_declined' }, selfj } };
  }
  const usage = { prompt_tokens: o.promptTokens, completion_tokens: o.completionTokens, total_tokens: o.promptTokens + o.completionTokens };
  const id = `${r.kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${c.requestId}`;
  const head = { id, created: c.created, model: r.model };
  if (!r.stream) {
    const choice =
      r.kind === 'chat'
        ? { index: 0, message: { role: 'assistant', content: text, refusal: declined ? text : null }, logprobs: null, finish_reason: finish }
        : { index: 0, text, logprobs: null, finish_reason: finish };
    return { status: 200, headers, sse: false, body: { ...head, object: r.kind === 'chat' ? 'chat.completion' : 'text_completion', choices: [choice], usage, selfj } };
  }
  const object = r.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const chunks: unknown[] = [];
  if (r.kind === 'chat') {
    chunks.push({ ...head, object, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
    chunks.push({ ...head, object, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] });
    chunks.push({ ...head, object, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }], selfj });
  } else {
    chunks.push({ ...head, object, choices: [{ index: 0, text, logprobs: null, finish_reason: null }] });
    chunks.push({ ...head, object, choices: [{ index: 0, text: '', logprobs: null, finish_reason: finish }], selfj });
  }
  if (r.includeUsage) chunks.push({ ...head, object, choices: [], usage });
  const body = `${chunks.map((x) => `data: ${JSON.stringify(x)}\n\n`).join('')}data: [DONE]\n\n`;
  return { status: 200, headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }, body, sse: true };
}
