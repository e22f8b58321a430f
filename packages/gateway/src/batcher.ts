/**
 * Micro-batching of judge scoring across concurrent requests. Items wait at most `maxWaitMs` for others to share
 * their judge call and a call takes at most `maxSize` items; while `concurrency` calls are already running, new
 * items queue and leave together as soon as a call finishes (they have waited anyway), so under load batches grow
 * by themselves and throughput grows with concurrency. A request that gives up (its signal fires) takes its
 * still-queued items out; items already in a running call finish with it.
 */
import { abortError } from '@selfj/core';

export interface BatcherOptions {
  /** Most items per call. */
  maxSize: number;
  /** Longest an item waits for company before its call starts (0: the next turn of the event loop). */
  maxWaitMs: number;
  /** Calls running at once (default 1). */
  concurrency?: number;
  /** Told the size of every call and how long its oldest item waited (for metrics). */
  onBatch?: (size: number, oldestWaitMs: number) => void;
}

/** One result per item: the value, or the Error of that item alone. A thrown error fails the whole call. */
export type BatchFn<I, O> = (items: I[]) => Promise<(O | Error)[]>;

interface Pending<I, O> {
  item: I;
  queuedAt: number;
  resolve: (v: O | Error) => void;
  reject: (e: unknown) => void;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private running = 0;
  private readonly concurrency: number;

  constructor(
    private readonly fn: BatchFn<I, O>,
    private readonly options: BatcherOptions,
  ) {
    if (!(options.maxSize >= 1)) throw new RangeError(`maxSize must be >= 1, got ${options.maxSize}`);
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  }

  /** Items waiting for a call. */
  get queued(): number {
    return this.queue.length;
  }

  /** Calls running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Scores `items` (in order) in whatever calls they land in. */
  submit(items: I[], signal?: AbortSignal): Promise<(O | Error)[]> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const mine: Pending<I, O>[] = [];
    const results = items.map(
      (item) =>
        new Promise<O | Error>((resolve, reject) => {
          const p = { item, queuedAt: performance.now(), resolve, reject };
          mine.push(p);
          this.queue.push(p);
        }),
    );
    if (signal) {
      const onAbort = () => {
        const gone = new Set(mine);
        const before = this.queue.length;
        this.queue = this.queue.filter((p) => !gone.has(p));
        if (this.queue.length !== before) for (const p of mine) p.reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void Promise.allSettled(results).then(() => signal.removeEventListener('abort', onAbort));
    }
    this.schedule();
    return Promise.all(results);
  }

  private schedule(): void {
    if (!this.queue.length || this.running >= this.concurrency) return;
    if (this.queue.length >= this.options.maxSize) {
      this.clearTimer();
      this.flush();
      return;
    }
    if (this.timer) return;
    const fire = () => {
      this.timer = undefined;
      if (this.running < this.concurrency) this.flush();
    };
    this.timer = this.options.maxWaitMs > 0 ? setTimeout(fire, this.options.maxWaitMs) : setImmediate(fire);
  }

  private clearTimer(): void {
    if (!this.timer) return;
    if (this.options.maxWaitMs > 0) clearTimeout(this.timer as NodeJS.Timeout);
    else clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.options.maxSize);
    if (!batch.length) return;
    this.running++;
    this.options.onBatch?.(batch.length, performance.now() - batch[0].queuedAt);
    void this.call(batch).finally(() => {
      this.running--;
      // What queued while the call ran has waited already: send it now rather than after another maxWaitMs.
      if (this.queue.length) {
        this.clearTimer();
        this.flush();
      }
      this.schedule();
    });
  }

  private async call(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.fn(batch.map((p) => p.item));
      if (out.length !== batch.length) throw new Error(`the judge returned ${out.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(out[i]));
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
