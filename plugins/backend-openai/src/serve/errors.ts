/** OpenAI's error JSON shape ({error: {message, type, param, code}}) and the HTTP status of each selfj error code. */
import { isSelfjError, type SelfjErrorCode } from '@selfj/core';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
}

const STATUS: Partial<Record<SelfjErrorCode, [number, string]>> = {
  BAD_INPUT: [400, 'invalid_request_error'],
  BAD_CONFIG: [400, 'invalid_request_error'],
  BAD_RECORD: [400, 'invalid_request_error'],
  PROMPT_TOO_LONG: [400, 'invalid_request_error'],
  NOT_FOUND: [404, 'not_found_error'],
  AUTH: [401, 'authentication_error'],
  CAPABILITY_MISSING: [501, 'not_implemented'],
  MODEL_NOT_SUPPORTED: [501, 'not_implemented'],
  ABORTED: [499, 'cancelled'],
  TIMEOUT: [504, 'timeout'],
  BACKEND_UNAVAILABLE: [503, 'server_error'],
  RETRIES_EXHAUSTED: [503, 'server_error'],
};

/** A backend's own error about one prompt, passed through whole so that a client can raise the same SelfjError. */
const PASS_THROUGH = new Set<SelfjErrorCode>(['PROMPT_TOO_LONG', 'BAD_RECORD', 'BAD_INPUT']);

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null; selfj?: { code: string; message: string; solutions: string[] } } };

/** Any thrown value -> [status, body]. Internal errors keep their message but never a stack. */
export function toErrorBody(e: unknown): [number, ErrorBody] {
  if (e instanceof ApiError) return [e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } }];
  if (isSelfjError(e)) {
    const [status, type] = STATUS[e.code] ?? [500, 'server_error'];
    const cut = e.solutions.length ? e.message.lastIndexOf('\nPossible solutions:') : -1;
    const selfj = PASS_THROUGH.has(e.code) ? { selfj: { code: e.code, message: cut >= 0 ? e.message.slice(0, cut) : e.message, solutions: e.solutions } } : {};
    return [status, { error: { message: e.message, type, param: null, code: e.code.toLowerCase(), ...selfj } }];
  }
  const message = e instanceof Error ? e.message : String(e);
  return [500, { error: { message: `Internal server error: ${message}`, type: 'server_error', param: null, code: null } }];
}
