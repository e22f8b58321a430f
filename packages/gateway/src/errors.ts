/**
 * Errors in OpenAI's shape ({error: {message, type, param, code}}) with the status of each cause: the client's
 * mistakes are 4xx, an upstream failure is 502/503/504, the gateway's own fault 500. Every message is scrubbed of
 * secrets (the gateway's keys, upstream keys, anything key-like) before it leaves the process.
 */
import { isSelfjError, type SelfjErrorCode } from '@selfj/core';
import { redact } from '@selfj/core/infra';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
  [extra: string]: unknown;
}

/** Status and type of an upstream (or judge backend) SelfjError. */
const UPSTREAM: Partial<Record<SelfjErrorCode, [number, string]>> = {
  PROMPT_TOO_LONG: [400, 'invalid_request_error'],
  BAD_INPUT: [400, 'invalid_request_error'],
  BAD_RECORD: [400, 'invalid_request_error'],
  ABORTED: [499, 'cancelled'],
  TIMEOUT: [504, 'timeout'],
  BACKEND_UNAVAILABLE: [503, 'upstream_unavailable'],
  RETRIES_EXHAUSTED: [502, 'upstream_error'],
  HTTP_ERROR: [502, 'upstream_error'],
  AUTH: [502, 'upstream_error'],
  NOT_FOUND: [502, 'upstream_error'],
  NETWORK: [502, 'upstream_error'],
};

/** First line of a SelfjError message (its "Possible solutions" are for operators, not API callers). */
function headline(message: string): string {
  const cut = message.indexOf('\nPossible solutions:');
  return cut >= 0 ? message.slice(0, cut) : message;
}

/** Error code for metrics and logs: the SelfjError code, ApiError code, or "INTERNAL". */
export function errorCode(e: unknown): string {
  if (isSelfjError(e)) return e.code;
  if (e instanceof ApiError) return e.code ?? `HTTP_${e.status}`;
  return 'INTERNAL';
}

/** Any error -> [status, body, headers]; `what` says where it came from ("upstream", "fallback"). */
export function toErrorResponse(e: unknown, secrets: readonly string[], what = 'upstream'): [number, ErrorBody, Record<string, string>] {
  const clean = (m: string) => redact(m, secrets);
  if (e instanceof ApiError) return [e.status, { error: { message: clean(e.message), type: e.type, param: e.param, code: e.code } }, e.headers];
  if (isSelfjError(e)) {
    const [status, type] = UPSTREAM[e.code] ?? [500, 'server_error'];
    const prefix = status >= 500 ? `The ${what} failed: ` : '';
    return [status, { error: { message: clean(prefix + headline(e.message)), type, param: null, code: e.code.toLowerCase() } }, {}];
  }
  const message = e instanceof Error ? e.message : String(e);
  return [500, { error: { message: clean(`Internal gateway error: ${message}`), type: 'server_error', param: null, code: null } }, {}];
}
