/**
 * Small helpers every suite uses: typed-error assertions (by `code`, not `instanceof`, so a plugin that bundles
 * its own copy of @selfj/core is still judged by what it throws), the skip-with-a-reason rule, and vector maths.
 */
import { expect, type TestContext } from 'vitest';

/** Runs `fn` and returns what it throws; fails the test when it does not throw. */
export async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, but the call succeeded');
}

/** The SelfjError code of `e`, or undefined when `e` is not a SelfjError. */
export function selfjCode(e: unknown): string | undefined {
  if (!(e instanceof Error) || e.name !== 'SelfjError') return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Asserts `e` is a SelfjError with one of `codes` (any code when none are given). */
export function expectSelfjError(e: unknown, codes: string | string[] = [], what = 'the call'): void {
  const want = Array.isArray(codes) ? codes : [codes];
  const code = selfjCode(e);
  const got = e instanceof Error ? `${e.name}${code ? ` ${code}` : ''}: ${e.message.split('\n')[0]}` : String(e);
  expect(code, `${what}: expected a SelfjError${want.length ? ` ${want.join(' or ')}` : ''}, got ${got}`).toBeDefined();
  if (want.length) expect(want, `${what}: expected code ${want.join(' or ')}, got ${got}`).toContain(code);
}

/**
 * Skips the running check with `reason` unless `condition` holds. vitest reports the check as skipped with the
 * reason (`[reason]` in the default reporter; `meta.skipReason` in the JSON one): a capability the component
 * does not claim is never a silent pass.
 */
export function skipUnless(ctx: TestContext, condition: boolean, reason: string): void {
  if (condition) return;
  (ctx.task.meta as Record<string, unknown>).skipReason = reason;
  ctx.skip(reason);
}

export function l2(v: ArrayLike<number>, offset = 0, dim = v.length): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += v[offset + i] * v[offset + i];
  return Math.sqrt(s);
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  const n = l2(a) * l2(b);
  return n === 0 ? 0 : dot / n;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A JSON round trip that must not change the value (fingerprints go into artifact config hashes). */
export function expectJsonStable(value: unknown, what: string): void {
  const text = JSON.stringify(value);
  expect(typeof text, `${what} must be JSON-serialisable`).toBe('string');
  expect(JSON.parse(text), `${what} must survive a JSON round trip unchanged`).toEqual(value);
}

export const DEFAULT_TIMEOUT_MS = 120_000;
