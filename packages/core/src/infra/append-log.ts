/**
 * Append-only JSONL with crash recovery. The records file is its own checkpoint: every record carries a `key`;
 * on open we cut a torn last line (a kill -9 in the middle of a write) and collect the keys already written, so
 * a resumed stage skips them. Writes are buffered and written in small batches (a killed process loses at most
 * the unwritten batch, which the resumed run recomputes, and never duplicates a record); fsync, which only
 * matters for an OS crash or power loss, runs at most once a second and on close.
 * A shard's log also keeps, in a companion `.order` file, the input position of every line (see shard.ts); the
 * companion is written before the records, so after a kill it is never behind them.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync, createReadStream } from 'node:fs';
import { SelfjError } from '../errors.js';
import { dirname } from 'node:path';

export interface RecoveredLog {
  keys: Set<string>;
  count: number;
  /** Bytes cut from a torn tail (0 when the file was clean). */
  truncatedBytes: number;
}

/** Scans a JSONL file, keeps the valid prefix, truncates the rest, returns the keys found. */
export async function recoverJsonl(path: string, keyField = 'key'): Promise<RecoveredLog> {
  const keys = new Set<string>();
  if (!existsSync(path)) return { keys, count: 0, truncatedBytes: 0 };
  let goodBytes = 0;
  let totalBytes = 0;
  let count = 0;
  let broken = false;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    totalBytes += buf.length;
    if (broken) continue;
    pending = pending.length ? Buffer.concat([pending, buf]) : buf;
    let start = 0;
    for (let nl = pending.indexOf(10, start); nl !== -1; nl = pending.indexOf(10, start)) {
      const text = pending.toString('utf8', start, nl);
      try {
        const v = text.trim() ? (JSON.parse(text) as Record<string, unknown>) : undefined;
        if (v) {
          const k = v[keyField];
          if (typeof k === 'string') keys.add(k);
          count++;
        }
      } catch {
        broken = true;
        break;
      }
      goodBytes += nl + 1 - start;
      start = nl + 1;
    }
    if (!broken) pending = pending.subarray(start);
  }
  const truncatedBytes = totalBytes - goodBytes;
  if (truncatedBytes > 0) {
    const fd = openSync(path, 'r+');
    try {
      ftruncateSync(fd, goodBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  return { keys, count, truncatedBytes };
}

/** Counts the complete lines of a file and returns the byte offset just after line `keep` (or the end). */
async function lineOffsets(path: string, keep: number): Promise<{ lines: number; keepBytes: number; totalBytes: number }> {
  let lines = 0;
  let keepBytes = 0;
  let completeBytes = 0;
  let totalBytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, nl + 1)) {
      lines++;
      completeBytes = totalBytes + nl + 1;
      if (lines === keep) keepBytes = completeBytes;
    }
    totalBytes += buf.length;
  }
  // A torn last line (no newline yet) never counts.
  if (keep >= lines) keepBytes = completeBytes;
  return { lines, keepBytes, totalBytes };
}

function truncateTo(path: string, bytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Recovers a log and its `.order` companion to the same number of lines: a torn order tail is cut, order lines
 * past the records are dropped, and (only after an OS crash reordered the writes) records past the order are cut
 * too, to be recomputed by the resumed run.
 */
export async function recoverOrderedJsonl(path: string, orderPath: string, keyField = 'key'): Promise<RecoveredLog> {
  let log = await recoverJsonl(path, keyField);
  if (!existsSync(orderPath)) {
    if (log.count === 0) return log;
    throw new SelfjError('ARTIFACT_CORRUPT', `${path} has ${log.count} line(s) but its order file ${orderPath} is missing.`, {
      solutions: [`Delete ${path} and run the shard again`],
    });
  }
  const order = await lineOffsets(orderPath, log.count);
  if (order.lines > log.count || order.keepBytes < order.totalBytes) truncateTo(orderPath, order.keepBytes);
  if (order.lines < log.count) {
    const rec = await lineOffsets(path, order.lines);
    truncateTo(path, rec.keepBytes);
    const cut = log.truncatedBytes + rec.totalBytes - rec.keepBytes;
    log = { ...(await recoverJsonl(path, keyField)), truncatedBytes: cut };
  }
  return log;
}

export class AppendLog {
  private fd: number;
  private orderFd?: number;
  private buffer: string[] = [];
  private orders: string[] = [];
  private bufferedBytes = 0;
  private lastFlush = Date.now();
  private lastSync = Date.now();

  constructor(
    readonly path: string,
    private readonly flushEvery = 256,
    private readonly flushMs = 200,
    /** Companion file with one input position per line (shards only). */
    readonly orderPath?: string,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    if (orderPath) this.orderFd = openSync(orderPath, 'a');
  }

  /** Queues one record (a whole line is always written in one piece). */
  append(record: unknown, ordinal?: number): void {
    this.appendLine(JSON.stringify(record), ordinal);
  }

  /** Queues `{"key": key, ...record}` without copying the record (the hot path of every stage). */
  appendKeyed(key: string, record: object, ordinal?: number): void {
    if ((record as { key?: unknown }).key === key) {
      this.appendLine(JSON.stringify(record), ordinal);
      return;
    }
    const body = JSON.stringify(record);
    this.appendLine(`{"key":${JSON.stringify(key)}${body.length > 2 ? `,${body.slice(1)}` : '}'}`, ordinal);
  }

  private appendLine(json: string, ordinal?: number): void {
    const line = `${json}\n`;
    this.buffer.push(line);
    if (this.orderFd !== undefined) {
      if (ordinal === undefined) throw new Error('AppendLog: an ordered log needs the ordinal of every line');
      this.orders.push(`${ordinal}\n`);
    }
    this.bufferedBytes += line.length;
    if (this.buffer.length >= this.flushEvery || this.bufferedBytes > 1 << 20 || Date.now() - this.lastFlush > this.flushMs) {
      this.flush();
    }
  }

  flush(): void {
    if (this.buffer.length) {
      // Order first: after a kill the order file may be ahead of the records (cut on recovery), never behind.
      if (this.orderFd !== undefined) writeSync(this.orderFd, this.orders.join(''));
      writeSync(this.fd, this.buffer.join(''));
      if (Date.now() - this.lastSync > 1000) this.sync();
      this.buffer = [];
      this.orders = [];
      this.bufferedBytes = 0;
    }
    this.lastFlush = Date.now();
  }

  sync(): void {
    if (this.orderFd !== undefined) fsyncSync(this.orderFd);
    fsyncSync(this.fd);
    this.lastSync = Date.now();
  }

  close(): void {
    this.flush();
    this.sync();
    closeSync(this.fd);
    if (this.orderFd !== undefined) closeSync(this.orderFd);
  }
}
