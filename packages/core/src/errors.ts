/**
 * Typed errors for every selfj package. Each error carries a stable `code` (for programs) and, where the user can
 * act, a list of `solutions` that is rendered as "Possible solutions:" in the message (for people).
 */
export type SelfjErrorCode =
  | 'BAD_INPUT'
  | 'BAD_CONFIG'
  | 'BAD_RECORD'
  | 'NOT_FOUND'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_NOT_SUPPORTED'
  | 'PROMPT_TOO_LONG'
  | 'CAPABILITY_MISSING'
  | 'BACKEND_UNAVAILABLE'
  | 'HTTP_ERROR'
  | 'RETRIES_EXHAUSTED'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'PLUGIN_NOT_FOUND'
  | 'ARTIFACT_MISMATCH'
  | 'ARTIFACT_CORRUPT'
  | 'ARTIFACT_LOCKED'
  | 'NETWORK'
  | 'AUTH'
  | 'OFFLINE'
  | 'NATIVE'
  | 'INTERNAL';

export interface SelfjErrorOptions {
  /** What the user can do about it; rendered under "Possible solutions:". */
  solutions?: string[];
  /** Machine-readable details (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class SelfjError extends Error {
  readonly code: SelfjErrorCode;
  readonly solutions: string[];
  readonly details: Record<string, unknown>;

  constructor(code: SelfjErrorCode, message: string, options: SelfjErrorOptions = {}) {
    const solutions = options.solutions ?? [];
    super(solutions.length ? `${message}\nPossible solutions:\n${solutions.map((s) => `- ${s}`).join('\n')}` : message, {
      cause: options.cause,
    });
    this.name = 'SelfjError';
    this.code = code;
    this.solutions = solutions;
    this.details = options.details ?? {};
  }
}

/**
 * A SelfjError, also one made by another copy of @selfj/core (a plugin that bundles its own): recognised by its
 * name and code, not by instanceof, so a plugin's per-record errors are treated as such everywhere.
 */
export function isSelfjError(e: unknown, code?: SelfjErrorCode): e is SelfjError {
  const ok = e instanceof SelfjError || (e instanceof Error && e.name === 'SelfjError' && typeof (e as { code?: unknown }).code === 'string');
  return ok && (code === undefined || (e as SelfjError).code === code);
}

/** Thrown when an AbortSignal fires; `code` is always ABORTED. */
export function abortError(signal?: AbortSignal): SelfjError {
  return new SelfjError('ABORTED', 'The operation was cancelled.', { cause: signal?.reason });
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}
