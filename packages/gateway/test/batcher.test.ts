/** The micro-batcher on its own: batches form under concurrency, within the size and wait bounds, and failures stay where they belong. */
import { describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import { MicroBatcher } from '../src/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A scoring function that records its calls and takes `ms` per call (like a judge backend busy with a batch). */
function recorder(ms = 20, fail?: (x: number) => Error | undefined) {
  const calls: number[][] = [];
  const fn = async (items: number[]) => {
    calls.push(items);
    await sleep(ms);
    return items.map((x) => fail?.(x) ?? x * 10);
  };
  return { calls, fn };
}

describe('MicroBatcher', () => {
  it('one item alone waits at most maxWaitMs, then goes in a call of its own', async () => {
    const r = recorder(1);
    const b = new MicroBatcher(r.fn, { maxSize: 8, maxWaitMs: 15 });
    const t0 = performance.now();
    expect(await b.submit([3])).toEqual([30]);
    const took = performance.now() - t0;
    expect(r.calls).toEqual([[3]]);
    expect(took).toBeGreaterThanOrEqual(14);
    expect(took).toBeLessThan(500);
  });

  it('concurrent requests share calls; no call exceeds maxSize; results go back to their request in order', async () => {
    const r = recorder(20);
    const sizes: number[] = [];
    const b = new MicroBatcher(r.fn, { maxSize: 8, maxWaitMs: 2, onBatch: (n) => sizes.push(n) });
    const out = await Promise.all(Array.from({ length: 40 }, (_, i) => b.submit([i, i + 1000])));
    out.forEach((res, i) => expect(res).toEqual([i * 10, (i + 1000) * 10]));
    expect(r.calls.every((c) => c.length <= 8)).toBe(true);
    expect(r.calls.flat().sort((a, z) => a - z)).toEqual(Array.from({ length: 40 }, (_, i) => [i, i + 1000]).flat().sort((a, z) => a - z));
    // 80 items at most 8 per call: 10 calls when batching works (one per item would be 80)
    expect(r.calls.length).toBe(10);
    expect(sizes).toEqual(r.calls.map((c) => c.length));
  });

  it('while a call runs, arrivals queue and leave together as soon as it ends (batches grow with load)', async () => {
    const r = recorder(30);
    const b = new MicroBatcher(r.fn, { maxSize: 64, maxWaitMs: 0 });
    const first = b.submit([1]);
    await sleep(5); // the first call is running now
    const rest = Array.from({ length: 10 }, (_, i) => b.submit([i + 2]));
    await Promise.all([first, ...rest]);
    expect(r.calls).toEqual([[1], [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]);
  });

  it('runs at most `concurrency` calls at once', async () => {
    let running = 0;
    let peak = 0;
    const b = new MicroBatcher(
      async (items: number[]) => {
        peak = Math.max(peak, ++running);
        await sleep(10);
        running--;
        return items;
      },
      { maxSize: 1, maxWaitMs: 0, concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, (_, i) => b.submit([i])));
    expect(peak).toBe(3);
  });

  it("a per-item Error stays that item's; a thrown error fails every item of that call only", async () => {
    const r = recorder(5, (x) => (x === 2 ? new Error('bad item') : undefined));
    const b = new MicroBatcher(r.fn, { maxSize: 4, maxWaitMs: 1 });
    const out = await b.submit([1, 2, 3]);
    expect(out[0]).toBe(10);
    expect(out[1]).toBeInstanceOf(Error);
    expect(out[2]).toBe(30);
    let calls = 0;
    const failing = new MicroBatcher(
      async (items: number[]) => {
        if (calls++ === 0) throw new Error('judge down');
        return items;
      },
      { maxSize: 2, maxWaitMs: 0 },
    );
    const [a, c] = await Promise.allSettled([failing.submit([1, 2]), failing.submit([3])]);
    expect(a.status).toBe('rejected');
    expect(c).toEqual({ status: 'fulfilled', value: [3] });
  });

  it('a request that gives up takes its queued items out (they are never scored)', async () => {
    const r = recorder(30);
    const b = new MicroBatcher(r.fn, { maxSize: 64, maxWaitMs: 0 });
    const first = b.submit([1]);
    await sleep(5);
    const ac = new AbortController();
    const gone = b.submit([7, 8], ac.signal);
    const kept = b.submit([9]);
    ac.abort();
    const e = await gone.catch((x: unknown) => x);
    expect(isSelfjError(e, 'ABORTED')).toBe(true);
    await Promise.all([first, kept]);
    expect(r.calls).toEqual([[1], [9]]);
  });
});
