/**
 * What can go wrong with one attempt, and the typed SelfjError each final failure becomes. A 4xx that concerns the
 * request itself (413, or a 400/422 that names no configuration parameter) is BAD_RECORD, so a stage rejects that
 * one record and goes on; a 4xx that names a parameter other than the prompt is configuration (HTTP_ERROR, fatal).
 */
import { SelfjError } from '@selfj/core';

export type Failure =
  | { kind: 'status'; status: number; retryAfterMs?: number; message: string; code?: string; type?: string; param?: string; selfj?: PassedError }
  | { kind: 'timeout'; message: string }
  /** Nothing came back: refused, reset before an answer, DNS. Retried for the connection budget. */
  | { kind: 'connection'; message: string }
  /** A response started and broke off, or its JSON is invalid. */
  | { kind: 'badresponse'; message: string };

/** A served backend's own error about one prompt, as `selfj serve` passes it through (error.selfj). */
export interface PassedError {
  code: 'PROMPT_TOO_LONG' | 'BAD_RECORD' | 'BAD_INPUT';
  message: string;
  solutions: string[];
}

const PASSED_CODES = new Set(['PROMPT_TOO_LONG', 'BAD_RECORD', 'BAD_INPUT']);

/** HTTP statuses worth another try: rate limited, or the server/gateway failed transiently. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** Request fields that carry the record's own content (a 4xx naming one of them is about that record). */
const RECORD_PARAMS = new Set(['prompt', 'prompts', 'messages', 'input', 'content', 'candidates']);

/** How servers word "prompt longer than the context" (vLLM, llama.cpp, TGI, OpenAI). */
const CONTEXT_MESSAGE = /maximum context length|exceeds? the (available )?context|context (size|window) (is )?exceeded|input validation error: .*must have less than/i;

/** Message, code, type and param of an OpenAI-style error body (or a short prefix of any other body). */
export function serverError(status: number, text: string): { message: string; code?: string; type?: string; param?: string; selfj?: PassedError } {
  let message = '';
  let code: string | undefined;
  let type: string | undefined;
  let param: string | undefined;
  let selfj: PassedError | undefined;
  try {
    const j = JSON.parse(text) as {
      error?: { message?: string; code?: unknown; type?: string; param?: unknown; selfj?: Partial<PassedError> } | string;
      message?: string;
      detail?: string;
      error_type?: string;
    };
    if (typeof j.error === 'string') message = j.error;
    else {
      message = j.error?.message ?? j.message ?? j.detail ?? '';
      code = j.error?.code === undefined || j.error?.code === null ? undefined : String(j.error.code);
      type = j.error?.type ?? j.error_type;
      param = typeof j.error?.param === 'string' ? j.error.param : undefined;
      const p = j.error?.selfj;
      if (p && PASSED_CODES.has(p.code as string) && typeof p.message === 'string') {
        selfj = { code: p.code as PassedError['code'], message: p.message, solutions: Array.isArray(p.solutions) ? p.solutions.filter((x) => typeof x === 'string') : [] };
      }
    }
  } catch {
    message = text.slice(0, 200).trim();
  }
  return { message: `HTTP ${status}${message ? `: ${message}` : ''}`, code, type, param, ...(selfj ? { selfj } : {}) };
}

export function describeNetworkError(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  const detail = err.cause?.message ?? err.message ?? String(e);
  return code && code !== 'ERR' && !detail.includes(code) ? `${code} (${detail})` : detail;
}

/** The final error of a non-retryable status. `where` and `msg` are already redacted. */
export function statusError(f: Extract<Failure, { kind: 'status' }>, where: string, msg: string): SelfjError {
  const details = { status: f.status, url: where, ...(f.param ? { param: f.param } : {}) };
  // selfj serve passes its backend's own error about a prompt: the same error as in-process (same rejects file).
  if (f.selfj) return new SelfjError(f.selfj.code, f.selfj.message, { details, solutions: f.selfj.solutions });
  if (f.status === 401 || f.status === 403) {
    return new SelfjError('AUTH', `The server at ${where} refused the request (${msg}).`, {
      details,
      solutions: [
        'Set the API key in the environment variable the backend reads (OPENAI_API_KEY unless apiKeyEnv says otherwise)',
        'Check that the key is valid for this server',
      ],
    });
  }
  if (f.status === 404) {
    return new SelfjError('NOT_FOUND', `Not found at ${where} (${msg}).`, {
      details,
      solutions: ['Check the model name after "#" in the backend id', 'Check that the base URL ends in /v1'],
    });
  }
  const code = `${f.code ?? ''} ${f.type ?? ''}`.toLowerCase();
  if (/context_length_exceeded|prompt_too_long|exceed_context_size/.test(code) || CONTEXT_MESSAGE.test(msg)) {
    return new SelfjError('PROMPT_TOO_LONG', `The server at ${where} says the prompt is too long: ${msg}`, {
      details,
      solutions: ['Shorten the prompt (truncate instruction, response or reference)', 'Serve the model with a larger context'],
    });
  }
  if (code.includes('capability_missing') || f.status === 501) {
    return new SelfjError('CAPABILITY_MISSING', `The server at ${where} cannot do this: ${msg}`, { details });
  }
  if (f.status === 413 || ((f.status === 400 || f.status === 422) && (f.param === undefined || RECORD_PARAMS.has(f.param)))) {
    return new SelfjError('BAD_RECORD', `The server at ${where} refused this request: ${msg}`, {
      details,
      solutions:
        f.status === 413
          ? ['Shorten the record, or raise the server\'s request limits (selfj serve --max-body-mb / --max-request-tokens)']
          : ['Check the record the message names', 'Or pass --on-bad-record skip to write such records to rejects.jsonl and go on'],
    });
  }
  return new SelfjError('HTTP_ERROR', `Request to ${where} failed: ${msg}`, {
    details,
    solutions: f.param ? [`Check the "${f.param}" setting sent to the server`] : [],
  });
}

/** The final error after retries ran out. `urls` and `last` are already redacted. */
export function exhaustedError(path: string, urls: string[], failures: Failure[], last: string, waitedMs: number): SelfjError {
  const final = failures[failures.length - 1];
  const attempts = failures.length;
  const details = { attempts, urls, path, last, waitedMs };
  const where = urls.join(', ');
  if (final.kind === 'connection') {
    return new SelfjError('BACKEND_UNAVAILABLE', `Cannot reach the OpenAI-compatible server at ${where} (tried for ${Math.round(waitedMs / 1000)} s): ${last}.`, {
      details,
      solutions: [
        'Start the server (for example `selfj serve` or vllm serve)',
        'Check host, port and that the base URL ends in /v1',
        'Raise connectRetryMs to wait longer for a server that is restarting',
      ],
    });
  }
  if (final.kind === 'timeout') {
    return new SelfjError('TIMEOUT', `${path} at ${where}: ${last} (${attempts} attempts).`, {
      details,
      solutions: ['Raise timeoutMs', 'Lower concurrency, or add servers to the pool'],
    });
  }
  return new SelfjError('RETRIES_EXHAUSTED', `${path} at ${where} still failing after ${attempts} attempts: ${last}.`, {
    details,
    solutions: ['Raise maxRetries', 'Lower concurrency if the server is rate limiting', 'Check the server logs'],
  });
}
