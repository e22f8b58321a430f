/** Concurrency limits: a FIFO counting semaphore, and per-backend limits that every stage using one backend shares. */
import { abortError } from '../errors.js';

interface Waiter {
  grant: () => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * FIFO counting semaphore. A released slot passes straight to the oldest waiter (a newcomer cannot overtake it);
 * waiting is abortable; the limit can be changed while in use (adaptive concurrency).
 */
export class Semaphore {
  private active = 0;
  private limit: number;
  private readonly waiters: Waiter[] = [];

  constructor(max: number) {
    if (!(max >= 1)) throw new RangeError(`A semaphore needs a limit >= 1, got ${max}.`);
    this.limit = Math.floor(max);
  }

  /** Most holders at once. */
  get max(): number {
    return this.limit;
  }

  /** Holders now. */
  get inFlight(): number {
    return this.active;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Changes the limit; a higher one admits waiters at once, a lower one takes effect as holders release. */
  resize(max: number): void {
    if (!(max >= 1)) throw new RangeError(`A semaphore needs a limit >= 1, got ${max}.`);
    this.limit = Math.floor(max);
    while (this.active < this.limit && this.waiters.length) this.grantNext();
  }

  /** A slot now if one is free and nobody waits (its release function), else undefined: no promise on the fast path. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.limit || this.waiters.length) return undefined;
    this.active++;
    return this.releaser();
  }

  /** Waits for a slot (ABORTED if the signal fires first) and returns its release function (idempotent). */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) throw abortError(signal);
    if (this.active < this.limit && !this.waiters.length) {
      this.active++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(abortError(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
    return this.releaser();
  }

  /** Runs fn holding one slot. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Gives one slot to the oldest waiter (counted as active from now on). */
  private grantNext(): void {
    const next = this.waiters.shift()!;
    if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort);
    this.active++;
    next.grant();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.active--;
      while (this.active < this.limit && this.waiters.length) this.grantNext();
    };
  }
}

const limiters = new Map<string, Semaphore>();

/** The shared limiter of one backend (created with `max` on first use; later calls reuse it). */
export function backendLimiter(backendId: string, max = 1): Semaphore {
  let s = limiters.get(backendId);
  if (!s) {
    s = new Semaphore(Math.max(1, max));
    limiters.set(backendId, s);
  }
  return s;
}
