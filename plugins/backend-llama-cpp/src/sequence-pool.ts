/**
 * A small pool of context sequences. Prompts are evaluated concurrently, one per sequence; node-llama-cpp puts the
 * pending tokens of all busy sequences into one llama.cpp batch, which is where the throughput comes from.
 */
import type { LlamaContextSequence } from 'node-llama-cpp';
import { SelfjError, abortError } from '@selfj/core';

interface Waiter {
  resolve(seq: LlamaContextSequence): void;
  reject(e: unknown): void;
}

export class SequencePool {
  private readonly free: LlamaContextSequence[];
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(sequences: LlamaContextSequence[]) {
    this.free = [...sequences];
  }

  get size(): number {
    return this.free.length;
  }

  acquire(signal?: AbortSignal): Promise<LlamaContextSequence> {
    if (this.closed) return Promise.reject(new SelfjError('BACKEND_UNAVAILABLE', 'The llama-cpp backend is closed.'));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const seq = this.free.pop();
    if (seq) return Promise.resolve(seq);
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal));
      };
      const waiter: Waiter = {
        resolve: (s) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(seq: LlamaContextSequence): void {
    const next = this.waiters.shift();
    if (next) next.resolve(seq);
    else this.free.push(seq);
  }

  async use<T>(signal: AbortSignal | undefined, fn: (seq: LlamaContextSequence) => Promise<T>): Promise<T> {
    const seq = await this.acquire(signal);
    try {
      return await fn(seq);
    } finally {
      this.release(seq);
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new SelfjError('BACKEND_UNAVAILABLE', 'The llama-cpp backend was closed.'));
  }
}

/**
 * Runs fn over items with at most `concurrency` in flight, results in input order. The first error stops new
 * work and is thrown once the running items settle.
 */
export async function mapConcurrent<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { e: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.e;
  return out;
}
