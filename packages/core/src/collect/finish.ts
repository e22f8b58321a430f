/**
 * The second pass shared by collect and merge: given the kept records (one JSON line each, in a temp file) and
 * the split planner that saw them, write train.jsonl / test.jsonl atomically and fill the category counts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtomicLineWriter, readLineBatches } from './jsonl.js';
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
    let i = 0;
    for await (const batch of readLineBatches(keptPath)) {
      for (const line of batch) {
        const a = plan.assignments[i++];
        const p = a === 1 ? train.write(line) : a === 2 ? test.write(line) : undefined;
        if (p) await p;
      }
    }
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
