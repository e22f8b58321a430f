/**
 * NativeError: same shape as @selfj/core's SelfjError (code, solutions rendered as "Possible solutions:"), defined
 * here because @selfj/core depends on @selfj/native, not the other way round.
 */
export type NativeErrorCode = 'BAD_INPUT' | 'NATIVE';

export interface NativeErrorOptions {
  /** Name of the offending argument (e.g. "dim", "args.w", "a"). */
  argument?: string;
  /** What was expected for it, in words (e.g. "Float32Array of length 12 (rows*dim)"). */
  expected?: string;
  solutions?: string[];
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class NativeError extends Error {
  readonly code: NativeErrorCode;
  readonly argument?: string;
  readonly expected?: string;
  readonly solutions: string[];
  readonly details: Record<string, unknown>;

  constructor(code: NativeErrorCode, message: string, options: NativeErrorOptions = {}) {
    const solutions = options.solutions ?? [];
    super(solutions.length ? `${message}\nPossible solutions:\n${solutions.map((s) => `- ${s}`).join('\n')}` : message, {
      cause: options.cause,
    });
    this.name = 'NativeError';
    this.code = code;
    this.argument = options.argument;
    this.expected = options.expected;
    this.solutions = solutions;
    this.details = options.details ?? {};
  }
}

/** Shorthand for a validation failure that names the argument and what it should have been. */
export function badInput(argument: string, expected: string, got: string, solutions?: string[]): NativeError {
  return new NativeError('BAD_INPUT', `Invalid argument "${argument}": expected ${expected}, got ${got}.`, {
    argument,
    expected,
    solutions,
  });
}

export function isNativeError(e: unknown, code?: NativeErrorCode): e is NativeError {
  return e instanceof NativeError && (code === undefined || e.code === code);
}
