/**
 * Append-only JSONL with crash recovery. The records file is its own checkpoint: every record carries a `key`;
 * on open we cut a torn last line (a kill -9 in the middle of a write) and collect the keys already written, so
 * a resumed stage skips them. Writes are buffered and written in small batches (a killed process loses at most
 * the unwritten batch, which the resumed run recomputes, and never duplicates a record); fsync, which only
 * matters for an OS crash or power loss, runs at most once a second and on close.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync, createReadStream } from 'node:fs';
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

export class AppendLog {
  private fd: number;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private lastFlush = Date.now();
  private lastSync = Date.now();

  constructor(
    readonly path: string,
    private readonly flushEvery = 256,
    private readonly flushMs = 200,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
  }

  /** Queues one record (a whole line is always written in one piece). */
  append(record: unknown): void {
    this.appendLine(JSON.stringify(record));
  }

  /** Queues `{"key": key, ...record}` without copying the record (the hot path of every stage). */
  appendKeyed(key: string, record: object): void {
    if ((record as { key?: unknown }).key === key) return this.appendLine(JSON.stringify(record));
    const body = JSON.stringify(record);
    this.appendLine(`{"key":${JSON.stringify(key)}${body.length > 2 ? `,${body.slice(1)}` : '}'}`);
  }

  private appendLine(json: string): void {
    const line = `${json}\n`;
    this.buffer.push(line);
    this.bufferedBytes += line.length;
    if (this.buffer.length >= this.flushEvery || this.bufferedBytes > 1 << 20 || Date.now() - this.lastFlush > this.flushMs) {
      this.flush();
    }
  }

  flush(): void {
    if (this.buffer.length) {
      writeSync(this.fd, this.buffer.join(''));
      if (Date.now() - this.lastSync > 1000) this.sync();
      this.buffer = [];
      this.bufferedBytes = 0;
    }
    this.lastFlush = Date.now();
  }

  sync(): void {
    fsyncSync(this.fd);
    this.lastSync = Date.now();
  }

  close(): void {
    this.flush();
    this.sync();
    closeSync(this.fd);
  }
}
