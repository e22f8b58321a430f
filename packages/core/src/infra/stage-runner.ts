/**
 * The streaming, resumable loop every record-by-record stage shares: read input lines, skip keys already in the
 * output, process in batches with bounded concurrency, write results in input order (so a resumed run produces
 * the same file as an uninterrupted one), send bad records to rejects.jsonl, and mark the manifest complete.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SelfjError, abortError } from '../errors.js';
import { AppendLog, recoverJsonl } from './append-log.js';
import { where, type JsonlLine } from './jsonl.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { MANIFEST_FILE, RECORDS_FILE, REJECTS_FILE, readManifest, writeManifest, type StageManifest } from './manifest.js';
import { Progress, progressEnabledByDefault } from './progress.js';

export type OnBadRecord = 'fail' | 'skip';

/** Thrown by `parse`/`process` for a record that is bad (not a fault of the machinery): rejected or fatal per policy. */
export class BadRecord extends Error {}

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

export async function runStage<I, O extends object>(opts: StageRunOptions<I, O>): Promise<StageRunResult> {
  const t0 = Date.now();
  const logger = opts.logger ?? silentLogger;
  const { dir } = opts;
  const recordsFile = join(dir, RECORDS_FILE);
  const rejectsFile = join(dir, REJECTS_FILE);
  mkdirSync(dir, { recursive: true });

  const previous = readManifest(dir);
  if (previous && previous.complete && previous.configHash === opts.manifest.configHash && !opts.force) {
    logger.info('stage.skip', { stage: opts.stage, reason: 'complete for the same config hash', dir });
    return { status: 'skipped', dir, recordsFile, manifest: previous, written: 0, resumed: previous.counts.records, rejected: previous.counts.rejected, seconds: 0 };
  }
  if (opts.force || (previous && previous.configHash !== opts.manifest.configHash) || (!previous && existsSync(recordsFile))) {
    if (previous || existsSync(recordsFile)) {
      logger.log(opts.force ? 'info' : 'warn', 'stage.restart', { stage: opts.stage, reason: opts.force ? 'forced' : 'config changed since the partial run', dir });
    }
    for (const f of [recordsFile, rejectsFile, join(dir, MANIFEST_FILE)]) rmSync(f, { force: true });
  }

  const base: StageManifest = { format: 'selfj-stage', version: 1, stage: opts.stage, ...opts.manifest, counts: { records: 0, rejected: 0 }, complete: false };
  const rec = await recoverJsonl(recordsFile);
  const rej = await recoverJsonl(rejectsFile);
  if (rec.truncatedBytes || rej.truncatedBytes) logger.warn('stage.torn-line-removed', { stage: opts.stage, bytes: rec.truncatedBytes + rej.truncatedBytes });
  writeManifest(dir, { ...base, counts: { records: rec.count, rejected: rej.count } });

  const out = new AppendLog(recordsFile);
  const rejects = new AppendLog(rejectsFile);
  const showBar = opts.progress?.enabled ?? progressEnabledByDefault();
  const t = opts.progress?.total;
  const total = showBar ? (typeof t === 'function' ? await t().catch(() => undefined) : t) : undefined;
  const progress = new Progress({ label: opts.stage, total, enabled: showBar });
  const policy = opts.onBadRecord ?? 'fail';
  const seen = new Set<string>();
  let written = 0;
  let rejected = 0;
  let resumed = 0;

  const reject = (l: { file: string; line: number }, key: string | undefined, reason: string) => {
    if (policy === 'fail') {
      throw new SelfjError('BAD_RECORD', `${where(l)}: ${reason}`, {
        solutions: ['Fix the record', 'Or pass --on-bad-record skip to write bad records to rejects.jsonl and go on'],
        details: { file: l.file, line: l.line, key },
      });
    }
    rejects.append({ key: key ?? `${l.file}:${l.line}`, file: l.file, line: l.line, reason });
    rejected++;
  };

  // Bad input lines travel through the same ordered queue as good ones, so records and rejects are written in
  // input order whether the run is fresh or resumed (deterministic artifacts).
  type Entry = { line: JsonlLine; key: string; value?: I; error?: Error };
  const pending: { entries: Entry[]; result: Promise<(O | Error)[]> }[] = [];
  const batchSize = Math.max(1, opts.batchSize ?? 1);
  const concurrency = Math.max(1, opts.concurrency ?? 1);

  const drainOne = async () => {
    const head = pending.shift()!;
    const results = await head.result;
    let j = 0;
    for (const e of head.entries) {
      const r = e.error ?? results[j++];
      if (r instanceof Error) {
        if (r instanceof BadRecord || (r instanceof SelfjError && (r.code === 'BAD_RECORD' || r.code === 'PROMPT_TOO_LONG'))) {
          reject(e.line, e.key, r.message);
        } else throw r;
      } else {
        out.appendKeyed(e.key, r);
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

  try {
    for await (const line of opts.input) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const lineKey = `${line.file}:${line.line}`;
      if (line.error) {
        if (!rej.keys.has(lineKey)) await push({ line, key: lineKey, error: new BadRecord(line.error) });
        continue;
      }
      let parsed: { key: string; value: I } | null;
      try {
        parsed = opts.parse(line);
        if (!parsed) continue;
      } catch (e) {
        if (!(e instanceof BadRecord)) throw e;
        if (!rej.keys.has(lineKey)) await push({ line, key: lineKey, error: e });
        continue;
      }
      if (seen.has(parsed.key)) {
        if (!rej.keys.has(lineKey)) await push({ line, key: lineKey, error: new BadRecord(`duplicate key "${parsed.key}"`) });
        continue;
      }
      seen.add(parsed.key);
      if (rec.keys.has(parsed.key) || rej.keys.has(parsed.key)) {
        resumed++;
        if (resumed % 1024 === 0) progress.resumed(1024);
        continue;
      }
      await push({ line, key: parsed.key, value: parsed.value });
    }
    await dispatch();
    while (pending.length) await drainOne();
    if (opts.signal?.aborted) throw abortError(opts.signal);
  } finally {
    // Whatever happened, everything computed so far reaches the disk (a resumed run will skip it).
    out.close();
    rejects.close();
  }
  progress.resumed(resumed % 1024);
  progress.finish();
  const manifest: StageManifest = { ...base, counts: { records: rec.count + written, rejected: rej.count + rejected }, complete: true };
  writeManifest(dir, manifest);
  const seconds = (Date.now() - t0) / 1000;
  logger.info('stage.done', { stage: opts.stage, written, resumed, rejected, seconds, rate: progress.rate() });
  return { status: 'done', dir, recordsFile, manifest, written, resumed, rejected, seconds };
}
