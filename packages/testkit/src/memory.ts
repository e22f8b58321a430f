/**
 * Retained memory while a loop runs: heap + external bytes after a full garbage collection, sampled during the
 * loop, minus the same before it. Garbage does not count, only what the code under test keeps alive, so a loader
 * that holds the whole source shows up as about its size and a streaming one as a small constant.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gcFn: (() => void) | null | undefined;

/** The V8 gc() function (enabled at run time when node was not started with --expose-gc), or null. */
export function garbageCollector(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') {
    gcFn = g;
    return gcFn;
  }
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    gcFn = typeof f === 'function' ? (f as () => void) : null;
  } catch {
    gcFn = null;
  }
  return gcFn;
}

function liveBytes(gc: () => void): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export interface RetainedMemory {
  /** Largest sample minus the baseline, in bytes. */
  peak: number;
  samples: number;
}

/** Runs `loop`, which calls `sample()` now and then; returns the largest retained memory seen. */
export async function measureRetained(gc: () => void, loop: (sample: () => void) => Promise<void>): Promise<RetainedMemory> {
  const base = liveBytes(gc);
  let peak = 0;
  let samples = 0;
  await loop(() => {
    peak = Math.max(peak, liveBytes(gc) - base);
    samples++;
  });
  return { peak, samples };
}
