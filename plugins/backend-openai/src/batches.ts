/**
 * Several prompts per request, where the server takes a list (selfj serve's batch route, vLLM's completions).
 * A 413 for a batch of several prompts says the batch is too big, not that a record is bad: the batch is split in
 * halves and retried, and later batches use the smaller size. A 413 for one prompt is that record's error.
 */
import { setMaxListeners } from 'node:events';
import { abortError, isSelfjError } from '@selfj/core';

function tooLarge(e: unknown): boolean {
  return isSelfjError(e, 'BAD_RECORD') && e.details.status === 413;
}

export class Batcher {
  constructor(private size: number) {
    this.size = Math.max(1, Math.floor(size));
  }

  /** Current prompts per request (shrinks after a 413). */
  get batchSize(): number {
    return this.size;
  }

  /** Runs `send` on consecutive chunks concurrently; one result per item, in order. */
  async run<T, R>(items: T[], send: (chunk: T[], signal?: AbortSignal) => Promise<R[]>, signal?: AbortSignal): Promise<R[]> {
    if (items.length <= this.size) return this.one(items, send, signal); // one request: nothing else to stop
    // One failure stops the other chunks of this call instead of letting them run on unobserved.
    // (A plain listener, not AbortSignal.any: that one is slow and retains signals on Node 20.)
    const batch = new AbortController();
    setMaxListeners(0, batch.signal);
    const forward = () => batch.abort();
    signal?.addEventListener('abort', forward, { once: true });
    const size = this.size;
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
    try {
      const parts = await Promise.all(chunks.map((c) => this.one(c, send, batch.signal)));
      return parts.flat();
    } catch (e) {
      batch.abort();
      if (signal?.aborted) throw abortError(signal);
      throw e;
    } finally {
      signal?.removeEventListener('abort', forward);
    }
  }

  private async one<T, R>(chunk: T[], send: (chunk: T[], signal?: AbortSignal) => Promise<R[]>, signal?: AbortSignal): Promise<R[]> {
    try {
      return await send(chunk, signal);
    } catch (e) {
      if (!tooLarge(e) || chunk.length === 1) throw e;
      const half = Math.ceil(chunk.length / 2);
      this.size = Math.min(this.size, half);
      const [a, b] = await Promise.all([this.one(chunk.slice(0, half), send, signal), this.one(chunk.slice(half), send, signal)]);
      return [...a, ...b];
    }
  }
}
