/**
 * The second pass shared by collect and merge: given the kept records (one JSON line each, in a temp file) and
 * the split planner that saw them, write train.jsonl / test.jsonl atomically and fill the category counts.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicLineWriter } from './jsonl.js';
import type { CollectSampleConfig, CollectSplitConfig } from './manifest.js';
import type { SplitPlanner } from './split.js';
import { categoryStats, type CollectStats } from './stats.js';

export function sampleLimit(sample: CollectSampleConfig | undefined): ((category: string) => number | undefined) | undefined {
  const per = sample?.perCategory;
  if (per === undefined) return undefined;
  if (typeof per === 'number') return () => per;
  return (c) => per[c] ?? per['*'];
}

export async function writeSplit(
  keptPath: string,
  planner: SplitPlanner,
  outDir: string,
  stats: CollectStats,
  split: CollectSplitConfig | undefined,
  sample: CollectSampleConfig | undefined,
): Promise<{ train: string; test: string }> {
  const plan = planner.plan(split?.test ?? 0.05, sampleLimit(sample));
  const train = new AtomicLineWriter(join(outDir, 'train.jsonl'));
  const test = new AtomicLineWriter(join(outDir, 'test.jsonl'));
  try {
    const i = await routeLines(keptPath, plan.assignments, [null, train, test]);
    if (i !== planner.size) throw new Error(`internal: ${i} kept lines read back, ${planner.size} planned`);
    await train.commit();
    await test.commit();
  } catch (e) {
    await train.abort();
    await test.abort();
    throw e;
  } finally {
    await rm(keptPath, { force: true });
  }
  for (const [name, c] of plan.perCategory) {
    const s = categoryStats(stats, name);
    s.sampledOut = c.sampledOut;
    s.train = c.train;
    s.test = c.test;
    stats.totals.train += c.train;
    stats.totals.test += c.test;
    stats.totals.sampledOut += c.sampledOut;
  }
  return { train: train.path, test: test.path };
}

/**
 * Copies line i of `path` to writers[assignments[i]] as raw bytes: no UTF-8 decoding, no JSON, and one write per
 * run of consecutive lines with the same destination. Returns the number of lines seen.
 */
async function routeLines(path: string, assignments: Uint8Array, writers: (AtomicLineWriter | null)[]): Promise<number> {
  let i = 0;
  let carry: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    let runStart = 0;
    let runDest = -1;
    let runLines = 0;
    for (;;) {
      const nl = buf.indexOf(10, start);
      if (nl < 0) break;
      const dest = assignments[i++];
      if (dest !== runDest) {
        if (runLines > 0 && writers[runDest]) await writers[runDest]!.writeRaw(buf.subarray(runStart, start), runLines);
        runDest = dest;
        runStart = start;
        runLines = 0;
      }
      runLines++;
      start = nl + 1;
    }
    if (runLines > 0 && writers[runDest]) await writers[runDest]!.writeRaw(buf.subarray(runStart, start), runLines);
    carry = start < buf.length ? buf.subarray(start) : null;
  }
  if (carry && carry.length > 0) throw new Error(`internal: ${path} does not end with a newline`);
  return i;
}
