/**
 * `collect merge`: combines shard outputs (part-i-of-N.jsonl + stats-i-of-N.json) into one collection.
 * Parts are merged in the global processing order (source rank, then row), deduplicated again across shards
 * (exact dedupe then equals a single run; near dedupe may differ slightly, because "near" is not transitive), and
 * split / sampled exactly as a single run would.
 */
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SelfjError } from '../errors.js';
import { writeJsonAtomic } from '../infra/atomic.js';
import { Deduper } from './dedupe.js';
import { SplitSink } from './finish.js';
import { readLineBatches } from './jsonl.js';
import type { DedupeConfig, CollectSampleConfig, CollectSplitConfig } from './manifest.js';
import { addSourceCounts, countDrop, countKept, emptyStats, sourceStats, type CollectStats } from './stats.js';

export interface MergeOptions {
  /** Shard output directories and/or part-*.jsonl files. */
  inputs: string[];
  outDir: string;
  /** Settings; default: those recorded in the shards' stats files. */
  dedupe?: DedupeConfig;
  split?: CollectSplitConfig;
  sample?: CollectSampleConfig;
  expectedRecords?: number;
}

interface PartRecord {
  id: string;
  instruction: string;
  reference: string;
  category: string;
  source: string;
  _o: [number, number];
}

const PART = /^part-(\d+)-of-(\d+)\.jsonl$/;

async function findParts(inputs: string[]): Promise<string[]> {
  const parts: string[] = [];
  for (const input of inputs) {
    const st = await stat(input).catch(() => null);
    if (!st) throw new SelfjError('NOT_FOUND', `Merge input ${input} does not exist`);
    if (st.isDirectory()) {
      for (const f of (await readdir(input)).sort()) if (PART.test(f)) parts.push(join(input, f));
    } else parts.push(input);
  }
  if (parts.length === 0) {
    throw new SelfjError('NOT_FOUND', `No part-i-of-N.jsonl files in ${inputs.join(', ')}`, {
      solutions: ['Run `selfj collect --shard i/N` for each shard first'],
    });
  }
  const counts = new Set(parts.map((p) => PART.exec(basename(p))?.[2]));
  if (counts.size > 1) throw new SelfjError('BAD_INPUT', `Parts from different shard counts: ${[...counts].join(', ')}`);
  return parts;
}

/** Reads one part as a pull-based cursor over parsed records. */
class Cursor {
  head: PartRecord | undefined;
  private batch: string[] = [];
  private i = 0;
  private readonly it: AsyncGenerator<string[]>;
  constructor(readonly path: string) {
    this.it = readLineBatches(path);
  }
  async next(): Promise<void> {
    for (;;) {
      while (this.i < this.batch.length) {
        const line = this.batch[this.i++];
        if (line.length === 0) continue;
        try {
          this.head = JSON.parse(line) as PartRecord;
        } catch (e) {
          throw new SelfjError('ARTIFACT_CORRUPT', `Shard part ${this.path} has a malformed line: ${(e as Error).message}`);
        }
        return;
      }
      const r = await this.it.next();
      if (r.done) {
        this.head = undefined;
        return;
      }
      this.batch = r.value;
      this.i = 0;
    }
  }
}

function before(a: PartRecord, b: PartRecord): boolean {
  return a._o[0] < b._o[0] || (a._o[0] === b._o[0] && a._o[1] < b._o[1]);
}

export async function mergeShards(options: MergeOptions): Promise<{ stats: CollectStats; files: Record<string, string> }> {
  const started = performance.now();
  const parts = await findParts(options.inputs);
  await mkdir(options.outDir, { recursive: true });
  const stats = emptyStats();
  let settings: { dedupe?: DedupeConfig; split?: CollectSplitConfig; sample?: CollectSampleConfig; sources?: string[] } = {};
  for (const p of parts) {
    const m = PART.exec(basename(p));
    const statsPath = join(dirname(p), m ? `stats-${m[1]}-of-${m[2]}.json` : 'stats.json');
    const shardStats = JSON.parse(await readFile(statsPath, 'utf8').catch(() => 'null')) as (CollectStats & { settings?: typeof settings }) | null;
    if (!shardStats) throw new SelfjError('NOT_FOUND', `Missing ${statsPath} next to ${p}`);
    addSourceCounts(stats, shardStats);
    const order = JSON.stringify(shardStats.settings?.sources);
    if (settings.sources && order !== JSON.stringify(settings.sources)) {
      throw new SelfjError('BAD_INPUT', `${statsPath} comes from a manifest with other sources (${order}); shards must share one manifest`);
    }
    settings = shardStats.settings ?? settings;
  }
  // Source names in processing order keep the stats table in the same order as a single run.
  for (const name of settings.sources ?? []) sourceStats(stats, name);
  const dedupe = options.dedupe ?? settings.dedupe;
  const split = options.split ?? settings.split;
  const sample = options.sample ?? settings.sample;
  const deduper = new Deduper(dedupe, options.expectedRecords ?? stats.totals.read);
  const sink = new SplitSink(options.outDir, split, sample);
  const cursors = parts.map((p) => new Cursor(p));
  try {
    await Promise.all(cursors.map((c) => c.next()));
    for (;;) {
      let best: Cursor | undefined;
      for (const c of cursors) if (c.head && (!best || before(c.head, best.head as PartRecord))) best = c;
      if (!best) break;
      const rec = best.head as PartRecord;
      await best.next();
      const ss = sourceStats(stats, rec.source);
      const reason = deduper.check(rec);
      if (reason) {
        countDrop(stats, ss, reason);
        continue;
      }
      const line = JSON.stringify({ id: rec.id, instruction: rec.instruction, reference: rec.reference, category: rec.category, source: rec.source });
      const p = sink.write(rec.id, rec.category, [line]);
      if (p) await p;
      countKept(stats, ss, rec.category, rec.instruction.length, rec.reference.length);
    }
  } catch (e) {
    await sink.abort();
    throw e;
  }
  Object.assign(stats.dedupe, deduper.usage);
  const files: Record<string, string> = await sink.finish(stats);
  stats.seconds = (performance.now() - started) / 1000;
  files.stats = join(options.outDir, 'stats.json');
  writeJsonAtomic(files.stats, { ...stats, settings: { ...settings, dedupe, split, sample } });
  return { stats, files };
}
