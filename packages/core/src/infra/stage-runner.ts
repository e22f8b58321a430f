/**
 * The streaming, resumable loop every record-by-record stage shares: read input lines, skip keys already in the
 * output, process in batches with bounded concurrency, write results in input order (so a resumed run produces
 * the same file as an uninterrupted one), send bad records to rejects.jsonl, and mark the manifest complete.
 * One process at a time per directory (lock.ts); `shard` runs one part of the stage (shard.ts, stage-merge.ts).
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError, abortError, isSelfjError } from '../errors.js';
import { AppendLog, recoverJsonl, recoverOrderedJsonl } from './append-log.js';
import { decideArtifact, type OnConfigChange } from './artifact-state.js';
import { where, type JsonlLine } from './jsonl.js';
import { lockDir, type DirLock } from './lock.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { RECORDS_FILE, REJECTS_FILE, readManifest, writeManifest, type StageManifest } from './manifest.js';
import { Progress, progressEnabledByDefault } from './progress.js';
import { RECORDS_ORDER_FILE, REJECTS_ORDER_FILE, effectiveShard, shardDirName, shardOfKey, shardOfPosition, type StageShard } from './shard.js';

export type OnBadRecord = 'fail' | 'skip';

/**
 * Thrown by `parse`/`process` for a record that is bad (not a fault of the machinery): rejected or fatal per
 * policy. `key` (when `parse` could read it) labels the reject.
 */
export class BadRecord extends Error {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

export interface StageRunOptions<I, O> {
  stage: string;
  dir: string;
  manifest: Omit<StageManifest, 'format' | 'version' | 'stage' | 'counts' | 'complete'>;
  input: AsyncIterable<JsonlLine>;
  /** Validates one input line; returns its stable key and value, null to pass over it, or throws BadRecord. */
  parse(line: JsonlLine): { key: string; value: I } | null;
  /** Processes a batch; one result per item: the output record, or an Error (BadRecord: rejected). */
  process(batch: I[], keys: string[]): Promise<(O | Error)[]>;
  batchSize?: number;
  concurrency?: number;
  onBadRecord?: OnBadRecord;
  signal?: AbortSignal;
  logger?: Logger;
  /** Progress bar; `total` may be computed lazily (only when the bar is shown), e.g. by counting input lines. */
  progress?: { enabled?: boolean; total?: number | (() => Promise<number>) };
  /** Ignore a complete artifact and redo the stage. */
  force?: boolean;
  /** An artifact in `dir` made with other settings: refuse (default; needs `force`) or redo it (`selfj run`). */
  onConfigChange?: OnConfigChange;
  /** Run only this part of the stage, into `<dir>/shard-i-of-N/` (merge the parts with mergeStageShards). */
  shard?: StageShard;
  /** Lock settings (tests); the lock itself is always taken. */
  lock?: { staleMs?: number; heartbeatMs?: number };
}

export interface StageRunResult {
  status: 'skipped' | 'done';
  dir: string;
  recordsFile: string;
  manifest: StageManifest;
  /** Records written by this run (not counting resumed ones). */
  written: number;
  resumed: number;
  rejected: number;
  seconds: number;
}

/** The directory a stage run writes: `dir`, or `dir/shard-i-of-N` for a shard. */
export function stageRunDir(dir: string, shard?: StageShard): string {
  const s = effectiveShard(shard);
  return s ? join(dir, shardDirName(s)) : dir;
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new SelfjError('BAD_INPUT', `Cannot use ${dir} as an output directory: ${(e as Error).message}`, {
      solutions: ['Pass an --out path that is a directory (or does not exist yet)'],
      cause: e,
    });
  }
  if (!statSync(dir).isDirectory()) throw new SelfjError('BAD_INPUT', `The output path ${dir} exists and is not a directory.`, { solutions: ['Pass another --out path'] });
}

/** Best-effort key of a line that failed to parse, to label its reject. */
function guessKey(e: unknown, v: Record<string, unknown> | undefined): string | undefined {
  if (e instanceof BadRecord && e.key !== undefined) return e.key;
  if (typeof v?.key === 'string') return v.key;
  const id = v?.id;
  if (typeof id === 'string' || typeof id === 'number') return v!.sample !== undefined ? `${id}#${v!.sample}` : String(id);
  return undefined;
}

export async function runStage<I, O extends object>(opts: StageRunOptions<I, O>): Promise<StageRunResult> {
  const t0 = Date.now();
  const logger = opts.logger ?? silentLogger;
  const shard = effectiveShard(opts.shard);
  const dir = stageRunDir(opts.dir, shard);
  const recordsFile = join(dir, RECORDS_FILE);
  const skipped = (m: StageManifest, d: string): StageRunResult => ({ status: 'skipped', dir: d, recordsFile: join(d, RECORDS_FILE), manifest: m, written: 0, resumed: m.counts.records, rejected: m.counts.rejected, seconds: 0 });
  if (shard && !opts.force) {
    // The shards were merged already (e.g. a retried scheduler task after the merge step): nothing to do.
    const whole = readManifest(opts.dir);
    if (whole?.complete && !whole.shard && whole.configHash === opts.manifest.configHash && whole.stage === opts.stage) {
      logger.info('stage.skip', { stage: opts.stage, reason: 'the merged artifact is complete for the same config hash', dir: opts.dir });
      return skipped(whole, opts.dir);
    }
  }
  ensureDir(dir);
  const lock = lockDir(dir, { purpose: `stage ${opts.stage}${shard ? ` shard ${shard.index}/${shard.count}` : ''}`, logger, ...opts.lock });
  try {
    const base: StageManifest = { format: 'selfj-stage', version: 1, stage: opts.stage, ...opts.manifest, ...(shard ? { shard } : {}), counts: { records: 0, rejected: 0 }, complete: false };
    const previous = readManifest(dir);
    const action = decideArtifact({ dir, stage: opts.stage, previous, next: base, force: opts.force, onConfigChange: opts.onConfigChange, logger });
    if (action === 'skip') {
      logger.info('stage.skip', { stage: opts.stage, reason: 'complete for the same config hash', dir });
      return skipped(previous!, dir);
    }
    return await runRecords(opts, { dir, base, shard, lock, logger, t0 });
  } finally {
    lock.release();
  }
}

interface RunContext {
  dir: string;
  base: StageManifest;
  shard?: StageShard;
  lock: DirLock;
  logger: Logger;
  t0: number;
}

async function runRecords<I, O extends object>(opts: StageRunOptions<I, O>, ctx: RunContext): Promise<StageRunResult> {
  const { dir, base, shard, lock, logger } = ctx;
  const recordsFile = join(dir, RECORDS_FILE);
  const rejectsFile = join(dir, REJECTS_FILE);
  const recordsOrder = shard ? join(dir, RECORDS_ORDER_FILE) : undefined;
  const rejectsOrder = shard ? join(dir, REJECTS_ORDER_FILE) : undefined;
  const rec = recordsOrder ? await recoverOrderedJsonl(recordsFile, recordsOrder) : await recoverJsonl(recordsFile);
  const rej = rejectsOrder ? await recoverOrderedJsonl(rejectsFile, rejectsOrder) : await recoverJsonl(rejectsFile);
  if (rec.truncatedBytes || rej.truncatedBytes) logger.warn('stage.torn-line-removed', { stage: opts.stage, bytes: rec.truncatedBytes + rej.truncatedBytes });
  writeManifest(dir, { ...base, counts: { records: rec.count, rejected: rej.count } });

  const out = new AppendLog(recordsFile, undefined, undefined, recordsOrder);
  const rejects = new AppendLog(rejectsFile, undefined, undefined, rejectsOrder);
  const showBar = opts.progress?.enabled ?? progressEnabledByDefault();
  const t = opts.progress?.total;
  const whole = showBar ? (typeof t === 'function' ? await t().catch(() => undefined) : t) : undefined;
  const total = whole !== undefined && shard ? Math.ceil(whole / shard.count) : whole;
  const progress = new Progress({ label: shard ? `${opts.stage} ${shard.index}/${shard.count}` : opts.stage, total, enabled: showBar });
  const policy = opts.onBadRecord ?? 'fail';
  const seen = new Set<string>();
  let written = 0;
  let rejected = 0;
  let resumed = 0;

  const reject = (e: Entry, err: Error) => {
    const l = e.line;
    // A SelfjError's own solutions come first in a fatal message; the reject keeps only the reason.
    const reason = isSelfjError(err) ? err.message.split('\nPossible solutions:')[0] : err.message;
    if (policy === 'fail') {
      const key = e.recordKey ?? (e.key === where(l) ? undefined : e.key);
      throw new SelfjError('BAD_RECORD', `${where(l)}: ${reason}${key !== undefined ? ` (record "${key}")` : ''}`, {
        solutions: [...(isSelfjError(err) ? err.solutions : []), 'Fix the record', 'Or pass --on-bad-record skip to write bad records to rejects.jsonl and go on'],
        details: { file: l.file, line: l.line, key },
      });
    }
    rejects.append({ key: e.key, file: l.file, line: l.line, reason, ...(e.recordKey !== undefined && e.recordKey !== e.key ? { recordKey: e.recordKey } : {}) }, e.ordinal);
    rejected++;
  };

  // Bad input lines travel through the same ordered queue as good ones, so records and rejects are written in
  // input order whether the run is fresh or resumed (deterministic artifacts).
  type Entry = { line: JsonlLine; key: string; ordinal: number; recordKey?: string; value?: I; error?: Error };
  const pending: { entries: Entry[]; result: Promise<(O | Error)[]> }[] = [];
  const batchSize = Math.max(1, opts.batchSize ?? 1);
  const concurrency = Math.max(1, opts.concurrency ?? 1);

  const drainOne = async () => {
    const head = pending.shift()!;
    const results = await head.result;
    lock.check();
    let j = 0;
    for (const e of head.entries) {
      const r = e.error ?? results[j++];
      if (r instanceof Error) {
        if (r instanceof BadRecord || (isSelfjError(r) && (r.code === 'BAD_RECORD' || r.code === 'PROMPT_TOO_LONG'))) {
          reject(e, r);
        } else throw r;
      } else {
        out.appendKeyed(e.key, r, e.ordinal);
        written++;
      }
    }
    progress.tick(head.entries.length);
  };

  let entries: Entry[] = [];
  let good = 0;
  const dispatch = async () => {
    if (!entries.length) return;
    const batch = entries;
    entries = [];
    good = 0;
    const ok = batch.filter((e) => !e.error);
    const result = ok.length ? opts.process(ok.map((e) => e.value as I), ok.map((e) => e.key)) : Promise.resolve([]);
    result.catch(() => undefined); // handled when drained, in order
    pending.push({ entries: batch, result });
    while (pending.length >= concurrency) await drainOne();
  };
  const push = async (e: Entry) => {
    entries.push(e);
    if (!e.error) good++;
    if (good >= batchSize || entries.length >= 4 * batchSize) await dispatch();
  };
  // A line without a usable key belongs to the shard its input position hashes to; a record, to its key's.
  const mineByPosition = (ordinal: number) => !shard || shardOfPosition(ordinal, shard.count) === shard.index;
  const mineByKey = (key: string) => !shard || shardOfKey(key, shard.count) === shard.index;

  let ordinal = -1;
  try {
    for await (const line of opts.input) {
      ordinal++;
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const lineKey = `${line.file}:${line.line}`;
      if (line.error) {
        if (mineByPosition(ordinal) && !rej.keys.has(lineKey)) await push({ line, key: lineKey, ordinal, error: new BadRecord(line.error) });
        continue;
      }
      let parsed: { key: string; value: I } | null;
      try {
        parsed = opts.parse(line);
        if (!parsed) continue;
      } catch (e) {
        if (!(e instanceof BadRecord)) throw e;
        if (mineByPosition(ordinal) && !rej.keys.has(lineKey)) await push({ line, key: lineKey, ordinal, recordKey: guessKey(e, line.value), error: e });
        continue;
      }
      if (!mineByKey(parsed.key)) continue;
      if (seen.has(parsed.key)) {
        if (!rej.keys.has(lineKey)) await push({ line, key: lineKey, ordinal, recordKey: parsed.key, error: new BadRecord(`duplicate key "${parsed.key}"`) });
        continue;
      }
      seen.add(parsed.key);
      if (rec.keys.has(parsed.key) || rej.keys.has(parsed.key)) {
        resumed++;
        if (resumed % 1024 === 0) progress.resumed(1024);
        continue;
      }
      await push({ line, key: parsed.key, ordinal, value: parsed.value });
    }
    await dispatch();
    while (pending.length) await drainOne();
    if (opts.signal?.aborted) throw abortError(opts.signal);
  } finally {
    // Whatever happened, everything computed so far reaches the disk (a resumed run will skip it).
    out.close();
    rejects.close();
  }
  lock.check();
  progress.resumed(resumed % 1024);
  progress.finish();
  const manifest: StageManifest = { ...base, counts: { records: rec.count + written, rejected: rej.count + rejected }, complete: true };
  writeManifest(dir, manifest);
  const seconds = (Date.now() - ctx.t0) / 1000;
  logger.info('stage.done', { stage: opts.stage, shard, written, resumed, rejected, seconds, rate: progress.rate() });
  return { status: 'done', dir, recordsFile, manifest, written, resumed, rejected, seconds };
}
