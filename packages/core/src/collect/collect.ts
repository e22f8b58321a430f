/**
 * `collect`: streams records from the manifest's sources (in priority order) through validation, sharding,
 * categorisation, filters and exact + near deduplication, then writes a deterministic stratified train/test split.
 *
 * Outputs in `outDir` (all written to .tmp and renamed, so a failed run leaves earlier outputs intact):
 * - whole run: train.jsonl, test.jsonl, stats.json, rejects.jsonl (with onBadRecord "skip")
 * - shard i of N: part-i-of-N.jsonl (kept records in processing order, each with "_o": [sourceRank, row]),
 *   stats-i-of-N.json, rejects-i-of-N.jsonl; `mergeShards` dedupes across shards and splits.
 */
import { mkdir } from 'node:fs/promises';
import { writeJsonAtomic } from '../infra/atomic.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isSelfjError, SelfjError } from '../errors.js';
import type { InstructionRecord } from '../contracts/records.js';
import { heuristicClassifier, type Classifier } from './classify.js';
import { Deduper } from './dedupe.js';
import { isPlain, RecordFilter } from './filters.js';
import { SplitSink } from './finish.js';
import { hash32, saltOf } from './hash.js';
import { AtomicLineWriter, jsonInner, jsonString } from './jsonl.js';
import { orderSources, type CollectManifest } from './manifest.js';
import { builtinResolver, type RejectInfo, type SourceContext, type SourceResolver } from './sources.js';
import { countDrop, countKept, emptyStats, formatStats, sourceStats, type CollectStats } from './stats.js';

export interface Shard {
  /** 0-based. */
  index: number;
  count: number;
}

export interface CollectOptions {
  manifest: CollectManifest;
  outDir: string;
  /** Turns a manifest source into records; default: the built-in local JSONL reader. */
  resolve?: SourceResolver;
  shard?: Shard;
  /** Overrides manifest.onBadRecord. */
  onBadRecord?: 'fail' | 'skip';
  /** Overrides manifest.classifier. */
  classifier?: Classifier;
  /** Expected number of records, to presize the dedupe tables (they grow anyway). */
  expectedRecords?: number;
  signal?: AbortSignal;
  /** Called every 100k records read with the running stats. */
  onProgress?: (stats: CollectStats) => void;
}

export interface CollectResult {
  stats: CollectStats;
  files: Record<string, string>;
}

const SHARD_SALT = saltOf('shard');

/** The shard of a record id: stable across runs and machines. */
export function shardOf(id: string, count: number): number {
  return hash32(id, SHARD_SALT) % count;
}

/** Parses "i/N" (0-based i < N). */
export function parseShard(spec: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new SelfjError('BAD_INPUT', `Bad shard ${JSON.stringify(spec)}: expected i/N with 0 <= i < N, e.g. 0/4`);
  }
  return { index, count };
}

export function shardSuffix(shard: Shard | undefined): string {
  return shard && shard.count > 1 ? `-${shard.index}-of-${shard.count}` : '';
}

/** "builtin:heuristic", or a module path whose default export is a classifier function. */
export async function loadClassifier(spec: string | undefined): Promise<Classifier | undefined> {
  if (!spec) return undefined;
  if (spec === 'builtin:heuristic') return heuristicClassifier;
  const mod = (await import(/^[a-z]+:/i.test(spec) ? spec : pathToFileURL(spec).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new SelfjError('BAD_CONFIG', `Classifier module ${spec} has no default-exported function`, {
      solutions: ['export default (record) => "common" | "coding" | "academic" | undefined'],
    });
  }
  return mod.default as Classifier;
}

function invalid(rec: unknown): string | null {
  if (!rec || typeof rec !== 'object') return 'record is not an object';
  const r = rec as Record<string, unknown>;
  if (typeof r.id !== 'string' || r.id === '') return 'missing id';
  if (typeof r.instruction !== 'string') return 'instruction is missing or not a string';
  if (typeof r.reference !== 'string') return 'reference is missing or not a string';
  return null;
}

export async function collect(options: CollectOptions): Promise<CollectResult> {
  const { manifest, outDir, signal } = options;
  const started = performance.now();
  const onBad = options.onBadRecord ?? manifest.onBadRecord ?? 'fail';
  const shard = options.shard && options.shard.count > 1 ? options.shard : undefined;
  const suffix = shardSuffix(shard);
  const resolve = options.resolve ?? builtinResolver;
  const classifier = options.classifier ?? (await loadClassifier(manifest.classifier));
  await mkdir(outDir, { recursive: true });

  const stats = emptyStats();
  if (shard) stats.shard = shard;
  const filter = new RecordFilter(manifest.filters);
  const deduper = new Deduper(manifest.dedupe, Math.ceil((options.expectedRecords ?? 1 << 16) / (shard?.count ?? 1)));
  // A shard writes its kept records in processing order for merge; a whole run splits them as they come.
  const part = shard ? new AtomicLineWriter(join(outDir, `part${suffix}.jsonl`)) : null;
  const sink = shard ? null : new SplitSink(outDir, manifest.split, manifest.sample);
  const rejects = onBad === 'skip' ? new AtomicLineWriter(join(outDir, `rejects${suffix}.jsonl`)) : null;
  let nextProgress = 100_000;
  /** Parts of an output line: {"id":"<1>","instruction":"<3>","reference":"<5><6: tail> */
  const parts = ['{"id":"', '', '","instruction":"', '', '","reference":"', '', ''];

  try {
    const ordered = orderSources(manifest.sources);
    for (let rank = 0; rank < ordered.length; rank++) {
      const src = ordered[rank];
      const ss = sourceStats(stats, src.name);
      const srcJson = jsonString(src.name);
      // The end of a line from the reference's closing quote on, per category (few distinct values).
      const tails = new Map<unknown, string>();
      const tailOf = (category: unknown): string => {
        let tail = tails.get(category);
        if (tail === undefined) {
          const cat = typeof category === 'string' ? jsonString(category) : JSON.stringify(category);
          tails.set(category, (tail = `","category":${cat},"source":${srcJson}}`));
        }
        return tail;
      };
      let row = 0;
      const ctx: SourceContext = {
        onBadRecord: onBad,
        signal,
        reject: (info: RejectInfo) => {
          // Every shard reads every input, so each bad record is reported by the one shard its position hashes to.
          if (shard && shardOf(`${info.source}|${info.file ?? ''}|${info.row ?? ''}|${info.reason}`, shard.count) !== shard.index) return;
          ss.bad++;
          stats.totals.bad++;
          rejects?.write(JSON.stringify(info))?.catch(() => {}); // a write error resurfaces at commit()
        },
      };
      try {
        const records = await resolve(src, ctx);
        for await (const rec of records as AsyncIterable<InstructionRecord>) {
          row++;
          const problem = invalid(rec);
          if (problem) {
            if (onBad === 'fail') {
              throw new SelfjError('BAD_RECORD', `Source ${src.name}, record ${row}: ${problem}`, {
                details: { source: src.name, row, reason: 'invalid-record' },
                solutions: ['Fix the mapping for this source, or pass --on-bad-record skip to write such records to rejects.jsonl'],
              });
            }
            ctx.reject({ source: src.name, row, reason: 'invalid-record', error: problem, raw: JSON.stringify(rec)?.slice(0, 2000) });
            continue;
          }
          if (shard && shardOf(rec.id, shard.count) !== shard.index) {
            ss.otherShard++;
            continue;
          }
          ss.read++;
          if (++stats.totals.read >= nextProgress) {
            nextProgress += 100_000;
            if (signal?.aborted) throw new SelfjError('ABORTED', 'The operation was cancelled.', { cause: signal.reason });
            options.onProgress?.(stats);
          }
          const category = src.category ?? classifier?.(rec) ?? rec.category ?? 'common';
          // One scan per field tells the filter "no bad characters" and the output "nothing to escape".
          const insPlain = isPlain(rec.instruction);
          const refPlain = isPlain(rec.reference);
          const reason = filter.check(rec, insPlain, refPlain) ?? deduper.check(rec);
          if (reason) {
            countDrop(stats, ss, reason);
            continue;
          }
          // The JSON line, as JSON.stringify({ id, instruction, reference, category, source[, _o] }) would write it,
          // in parts that the writer encodes straight into its output block.
          parts[1] = jsonInner(rec.id);
          parts[3] = jsonInner(rec.instruction, insPlain);
          parts[5] = jsonInner(rec.reference, refPlain);
          let p: Promise<void> | undefined;
          if (part) {
            parts[6] = `${tailOf(category).slice(0, -1)},"_o":[${rank},${row}]}`;
            p = part.writeParts(parts);
          } else {
            parts[6] = tailOf(category);
            p = (sink as SplitSink).write(rec.id, category, parts);
          }
          if (p) await p;
          countKept(stats, ss, category, rec.instruction.length, rec.reference.length);
        }
      } catch (e) {
        if (onBad === 'skip' && isSelfjError(e, 'BAD_RECORD')) {
          // The source cannot continue (e.g. a truncated file): record it and go on with the others.
          ss.incomplete = e.message.split('\n')[0];
          ctx.reject({ source: src.name, row, reason: 'source-error', error: ss.incomplete });
          continue;
        }
        if (isSelfjError(e)) throw e;
        throw new SelfjError('BAD_RECORD', `Source ${src.name} failed after record ${row}: ${(e as Error).message}`, {
          cause: e,
          details: { source: src.name, row },
        });
      }
    }
    await part?.commit();
  } catch (e) {
    await part?.abort();
    await sink?.abort();
    await rejects?.abort();
    throw e;
  }

  const files: Record<string, string> = {};
  if (rejects) {
    await rejects.commit();
    files.rejects = rejects.path;
  }
  Object.assign(stats.dedupe, deduper.usage);
  if (part) {
    files.part = part.path;
  } else {
    const splitStarted = performance.now();
    Object.assign(files, await (sink as SplitSink).finish(stats));
    stats.splitSeconds = (performance.now() - splitStarted) / 1000;
  }
  stats.seconds = (performance.now() - started) / 1000;
  files.stats = join(outDir, `stats${suffix}.json`);
  writeJsonAtomic(files.stats, {
    ...stats,
    settings: { sources: orderSources(manifest.sources).map((s) => s.name), dedupe: manifest.dedupe, split: manifest.split, sample: manifest.sample },
  });
  return { stats, files };
}

export { formatStats };
