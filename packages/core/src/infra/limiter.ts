/** Per-backend concurrency limits: every stage that talks to the same backend id shares one semaphore. */

export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiters.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiters.shift()?.();
    }
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
