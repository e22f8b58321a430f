/** Small timing pieces of the HTTP client that are easy to test alone: backoff, Retry-After, abortable sleep. */
import { abortError } from '@selfj/core';

/** "Full jitter" exponential backoff (AWS architecture blog): uniform in [0, min(cap, base * 2^attempt)]. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Parses a Retry-After header (delay-seconds or an HTTP date) into milliseconds from `now`; undefined if absent/bad. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** Sleeps; rejects with ABORTED when `signal` fires, or with `onStop()` when `stop` fires (e.g. the client closed). */
export function sleep(ms: number, signal?: AbortSignal, stop?: { signal: AbortSignal; error: () => Error }): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (stop?.signal.aborted) return Promise.reject(stop.error());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      stop?.signal.removeEventListener('abort', onStop);
    };
    const onAbort = () => {
      done();
      reject(abortError(signal));
    };
    const onStop = () => {
      done();
      reject(stop!.error());
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
    stop?.signal.addEventListener('abort', onStop, { once: true });
  });
}
