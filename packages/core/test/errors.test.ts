import { describe, expect, it } from 'vitest';
import { SelfjError, isSelfjError } from '../src/index.js';
import { perItemError } from '../src/stages/score-batch.js';

/** What a plugin that bundles its own copy of @selfj/core throws: same name and code, another class. */
class OtherCopySelfjError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SelfjError';
    this.code = code;
  }
}

describe('isSelfjError', () => {
  it('recognises errors from another copy of @selfj/core by name and code', () => {
    const e = new OtherCopySelfjError('PROMPT_TOO_LONG', 'too long');
    expect(e instanceof SelfjError).toBe(false);
    expect(isSelfjError(e)).toBe(true);
    expect(isSelfjError(e, 'PROMPT_TOO_LONG')).toBe(true);
    expect(isSelfjError(e, 'BAD_INPUT')).toBe(false);
    // so a plugin's per-record error rejects the record instead of stopping the run
    expect(perItemError(e)).toBe(true);
  });
  it('does not take any error for one', () => {
    expect(isSelfjError(new Error('x'))).toBe(false);
    expect(isSelfjError({ name: 'SelfjError', code: 'BAD_INPUT' })).toBe(false);
    expect(isSelfjError(new SelfjError('BAD_INPUT', 'x'), 'BAD_INPUT')).toBe(true);
  });
});
