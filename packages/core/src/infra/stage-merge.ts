/**
 * `selfj merge`: joins the shards of one stage (shard-i-of-N directories) into the artifact a single process
 * would have written, byte for byte: records and rejects interleaved back into input order by the positions
 * each shard kept (records.order, rejects.order), counts summed, the manifest without its shard field.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SelfjError } from '../errors.js';
import { decideArtifact, type OnConfigChange } from './artifact-state.js';
import { canonicalJson } from './hash.js';
import { lockDir, type DirLock } from './lock.js';
import { silentLogger, type Logger } from './logger.js';
import { RECORDS_FILE, REJECTS_FILE, readManifest, writeManifest, type StageManifest } from './manifest.js';
import { RECORDS_ORDER_FILE, REJECTS_ORDER_FILE, parseShardDirName } from './shard.js';

export interface MergeStageOptions {
  /** Shard directories, and/or directories that contain shard-i-of-N directories. */
  inputs: string[];
  /** Where the merged artifact goes; default: the one directory that holds all the shards. */
  out?: string;
  /** Replace an artifact in `out` made with other settings. */
  force?: boolean;
  /** An artifact in `out` made with other settings: refuse (default; needs `force`) or replace it (`selfj run`). */
  onConfigChange?: OnConfigChange;
  logger?: Logger;
}

export interface MergeStageResult {
  status: 'done' | 'skipped';
  dir: string;
  manifest: StageManifest;
  shards: string[];
  seconds: number;
}

/** The shard directories named by `inputs` (a directory holding shard-i-of-N folders stands for all of them). */
export function findShardDirs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input) || !statSync(input).isDirectory()) {
      throw new SelfjError('NOT_FOUND', `${input} is not a directory.`, { solutions: ['Pass the shard directories (shard-i-of-N) or the --out directory of the sharded stage'] });
    }
    const m = readManifest(input);
    if (m?.shard) {
      out.push(input);
      continue;
    }
    const children = readdirSync(input).filter((n) => parseShardDirName(n) && statSync(join(input, n)).isDirectory());
    if (!children.length) {
      throw new SelfjError('NOT_FOUND', `${input} is neither a shard directory nor holds any (shard-i-of-N).`, {
        solutions: ['Run the stage with --shard i/N --out DIR first; the shards land in DIR/shard-i-of-N'],
      });
    }
    out.push(...children.sort().map((n) => join(input, n)));
  }
  return [...new Set(out.map((d) => resolve(d)))];
}

/** Everything that must be equal across shards: the manifest without shard, counts and completion. */
function identity(m: StageManifest): string {
  const { shard: _s, counts: _c, complete: _k, ...rest } = m;
  return canonicalJson(rest);
}

function checkShards(dirs: string[]): { manifests: StageManifest[]; count: number } {
  const manifests = dirs.map((d) => {
    const m = readManifest(d);
    if (!m || m.format !== 'selfj-stage' || !m.shard) throw new SelfjError('BAD_INPUT', `${d} has no shard manifest (manifest.json with a "shard" field).`, { solutions: ['Pass only directories written by a stage run with --shard i/N'] });
    return m;
  });
  const first = manifests[0];
  const count = first.shard!.count;
  manifests.forEach((m, i) => {
    if (m.shard!.count !== count) throw new SelfjError('BAD_INPUT', `Shards of different splits: ${dirs[0]} is one of ${count}, ${dirs[i]} one of ${m.shard!.count}.`, { solutions: ['Merge the shards of one --shard i/N split only'] });
    if (identity(m) !== identity(first)) {
      throw new SelfjError('ARTIFACT_MISMATCH', `${dirs[i]} was made by another run than ${dirs[0]} (stage, config, model, templates or input differ).`, {
        solutions: ['Every shard must run the same command with the same input path and config, differing only in --shard'],
        details: { a: dirs[0], b: dirs[i] },
      });
    }
  });
  const byIndex = new Map<number, string>();
  manifests.forEach((m, i) => {
    const prev = byIndex.get(m.shard!.index);
    if (prev) throw new SelfjError('BAD_INPUT', `Shard ${m.shard!.index}/${count} given twice: ${prev} and ${dirs[i]}.`);
    byIndex.set(m.shard!.index, dirs[i]);
  });
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  const partial = manifests.map((m, i) => [m, dirs[i]] as const).filter(([m]) => !m.complete);
  if (missing.length || partial.length) {
    const lines = [
      ...missing.map((i) => `shard ${i}/${count}: missing`),
      ...partial.map(([m, d]) => `shard ${m.shard!.index}/${count} (${d}): not finished, ${m.counts.records} records so far`),
    ];
    throw new SelfjError('BAD_INPUT', `Cannot merge "${first.stage}": not every shard is complete:\n  ${lines.join('\n  ')}`, {
      solutions: ['Run (or rerun: it resumes) the same stage command with --shard i/N for each shard listed, then merge again'],
      details: { missing, partial: partial.map(([m]) => m.shard!.index) },
    });
  }
  return { manifests, count };
}

/** Lines of a file as byte buffers without their newline, read synchronously in 1 MiB chunks (the merge's hot loop). */
class LineReader {
  private fd: number | undefined;
  private buf = Buffer.alloc(0);
  private pos = 0;
  private eof = false;

  constructor(readonly path: string) {
    if (existsSync(path)) this.fd = openSync(path, 'r');
    else this.eof = true;
  }

  /** The next line, or undefined at the end; a last line without a newline is a torn file. */
  next(): Buffer | undefined {
    for (;;) {
      const nl = this.buf.indexOf(10, this.pos);
      if (nl !== -1) {
        const line = this.buf.subarray(this.pos, nl);
        this.pos = nl + 1;
        return line;
      }
      if (this.eof) {
        if (this.pos < this.buf.length) throw new SelfjError('ARTIFACT_CORRUPT', `${this.path} ends in a torn line.`, { solutions: ['Rerun that shard (it repairs the file and resumes), then merge again'] });
        return undefined;
      }
      // Keep the unread tail (lines handed out earlier stay valid: they point into the old buffer).
      const chunk = Buffer.allocUnsafe(Math.max(1 << 20, 2 * (this.buf.length - this.pos)));
      const n = readSync(this.fd!, chunk, 0, chunk.length, null);
      if (n === 0) {
        this.eof = true;
        this.close();
      }
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk.subarray(0, n)]);
      this.pos = 0;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

interface Cursor {
  lines: LineReader;
  orders: LineReader;
  ordinal: number;
  line: Buffer;
  dir: string;
}

function advance(c: Cursor, file: string): boolean {
  const l = c.lines.next();
  const o = c.orders.next();
  if (l === undefined && o === undefined) return false;
  if (l === undefined || o === undefined) {
    throw new SelfjError('ARTIFACT_CORRUPT', `${join(c.dir, file)} and its order file have different line counts.`, { solutions: ['Rerun that shard (it repairs the pair and resumes), then merge again'] });
  }
  const text = o.toString('latin1');
  const n = Number(text);
  if (!/^\d+$/.test(text) || n <= c.ordinal) throw new SelfjError('ARTIFACT_CORRUPT', `${join(c.dir, file)}: bad or out-of-order position ${JSON.stringify(text)} in its order file.`);
  c.ordinal = n;
  c.line = l;
  return true;
}

/** k-way merge of one file over all shards by input position; returns the number of lines written. */
async function mergeFile(dirs: string[], file: string, orderFile: string, outPath: string): Promise<number> {
  const heap: Cursor[] = [];
  const less = (a: Cursor, b: Cursor) => a.ordinal < b.ordinal;
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  const cursors: Cursor[] = [];
  for (const dir of dirs) {
    const c: Cursor = { lines: new LineReader(join(dir, file)), orders: new LineReader(join(dir, orderFile)), ordinal: -1, line: Buffer.alloc(0), dir };
    cursors.push(c);
    if (advance(c, file)) {
      heap.push(c);
      up(heap.length - 1);
    }
  }
  const fd = openSync(outPath, 'w');
  let n = 0;
  let last = -1;
  const parts: Buffer[] = [];
  let bytes = 0;
  const NL = Buffer.from('\n');
  const flush = () => {
    if (parts.length) writeSync(fd, Buffer.concat(parts));
    parts.length = 0;
    bytes = 0;
  };
  try {
    while (heap.length) {
      const c = heap[0];
      if (c.ordinal === last) throw new SelfjError('ARTIFACT_CORRUPT', `Two shards hold input position ${last} in ${file}: the shards overlap.`, { solutions: ['Rerun the shards with --force and one --shard i/N split'] });
      last = c.ordinal;
      parts.push(c.line, NL);
      bytes += c.line.length + 1;
      n++;
      if (bytes > 1 << 20) flush();
      if (advance(c, file)) down(0);
      else {
        const end = heap.pop()!;
        if (heap.length) {
          heap[0] = end;
          down(0);
        }
      }
    }
    flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    for (const c of cursors) {
      c.lines.close();
      c.orders.close();
    }
  }
  return n;
}

/** Merges the shards of one stage into the artifact a single run writes (records, rejects, manifest). */
export async function mergeStageShards(o: MergeStageOptions): Promise<MergeStageResult> {
  const t0 = Date.now();
  const logger = o.logger ?? silentLogger;
  const dirs = findShardDirs(o.inputs);
  const { manifests, count } = checkShards(dirs);
  const parents = [...new Set(dirs.map((d) => dirname(d)))];
  if (!o.out && parents.length > 1) {
    throw new SelfjError('BAD_INPUT', `The shards sit in ${parents.length} different directories: say where the merged artifact goes.`, { solutions: ['Pass --out DIR'] });
  }
  const out = resolve(o.out ?? parents[0]);
  const sorted = manifests.map((m, i) => [m.shard!.index, dirs[i]] as const).sort((a, b) => a[0] - b[0]).map(([, d]) => d);
  const { shard: _s, counts: _c, complete: _k, ...rest } = manifests[0];
  const next = rest as Omit<StageManifest, 'counts' | 'complete'>;
  if (sorted.includes(out)) throw new SelfjError('BAD_INPUT', `--out ${out} is one of the shards.`, { solutions: ['Merge into the directory that holds the shards (the default) or another one'] });
  mkdirSync(out, { recursive: true });
  const lock = lockDir(out, { purpose: `merge of ${count} "${next.stage}" shards`, logger });
  // The shards too: a shard rerun with --force must not rewrite its files under the merge.
  const shardLocks: DirLock[] = [];
  try {
    for (const d of sorted) shardLocks.push(lockDir(d, { purpose: `merge of ${count} "${next.stage}" shards (reading)` }));
    const action = decideArtifact({ dir: out, stage: next.stage, previous: readManifest(out), next, force: o.force, onConfigChange: o.onConfigChange, logger });
    if (action === 'skip') {
      logger.info('merge.skip', { stage: next.stage, reason: 'already merged for the same config hash', dir: out });
      return { status: 'skipped', dir: out, manifest: readManifest(out)!, shards: sorted, seconds: 0 };
    }
    // Incomplete first: a merge killed half-way is redone, never mistaken for a finished artifact.
    writeManifest(out, { ...next, counts: { records: 0, rejected: 0 }, complete: false });
    const counts = { records: 0, rejected: 0 };
    for (const [file, order, key] of [[RECORDS_FILE, RECORDS_ORDER_FILE, 'records'], [REJECTS_FILE, REJECTS_ORDER_FILE, 'rejected']] as const) {
      const tmp = join(out, `.${file}.merge-${process.pid}`);
      try {
        counts[key] = await mergeFile(sorted, file, order, tmp);
        renameSync(tmp, join(out, file));
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    const expected = manifests.reduce((a, m) => ({ records: a.records + m.counts.records, rejected: a.rejected + m.counts.rejected }), { records: 0, rejected: 0 });
    if (expected.records !== counts.records || expected.rejected !== counts.rejected) {
      throw new SelfjError('ARTIFACT_CORRUPT', `The shards' manifests count ${expected.records} records and ${expected.rejected} rejects, their files hold ${counts.records} and ${counts.rejected}.`, {
        solutions: ['Rerun the shards (they resume and repair their files), then merge again'],
      });
    }
    const manifest: StageManifest = { ...next, counts, complete: true };
    writeManifest(out, manifest);
    const seconds = (Date.now() - t0) / 1000;
    logger.info('merge.done', { stage: next.stage, shards: count, ...counts, dir: out, seconds, from: sorted.map((d) => basename(d)) });
    return { status: 'done', dir: out, manifest, shards: sorted, seconds };
  } finally {
    for (const l of shardLocks) l.release();
    lock.release();
  }
}
