/**
 * The decision log: append-only JSONL, one line per request, rotated by size (file -> file.1 -> ... -> file.N).
 * Each line is written whole with one synchronous write to a file opened for appending, so a kill -9 loses at most
 * the line being written, and a torn last line (the kill landed inside that write) is cut when the log is opened
 * again. Hand-written rather than a logging library: pino and its rotating transports write asynchronously
 * (buffered, or on a worker thread), which can lose several lines on kill -9; this guarantee needs the write to be
 * done when the request's handler moves on.
 */
import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { SelfjError } from '@selfj/core';

export interface DecisionLogOptions {
  file: string;
  /** Rotate when the file would grow past this many bytes. */
  maxBytes: number;
  /** Rotated files kept (file.1 is the newest); 0: the old file is dropped. */
  keep: number;
}

/** Bytes after the last newline of a file (a torn line), read from the end in small steps. */
function tornTail(fd: number, size: number): number {
  const step = 4096;
  const buf = Buffer.alloc(step);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - step);
    const n = readSync(fd, buf, 0, end - start, start);
    const nl = buf.subarray(0, n).lastIndexOf(10);
    if (nl >= 0) return size - (start + nl + 1);
    end = start;
  }
  return size;
}

export class DecisionLog {
  private fd: number | undefined;
  private size = 0;
  /** Bytes cut from a torn last line when the log was opened. */
  readonly repairedBytes: number;

  constructor(private readonly o: DecisionLogOptions) {
    try {
      mkdirSync(dirname(o.file), { recursive: true });
      this.fd = openSync(o.file, 'a+');
    } catch (e) {
      throw new SelfjError('BAD_CONFIG', `Cannot open the decision log ${o.file}: ${(e as Error).message}`, {
        solutions: ['Check that the directory is writable', 'Or choose another file with --log-file'],
      });
    }
    const size = fstatSync(this.fd).size;
    const torn = tornTail(this.fd, size);
    if (torn > 0) ftruncateSync(this.fd, size - torn);
    this.repairedBytes = torn;
    this.size = size - torn;
  }

  get path(): string {
    return this.o.file;
  }

  /** Appends one record as one line (nothing after close). */
  write(record: Record<string, unknown>): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    if (this.size > 0 && this.size + line.length > this.o.maxBytes) this.rotate();
    let off = 0;
    while (off < line.length) off += writeSync(this.fd, line, off, line.length - off);
    this.size += line.length;
  }

  private rotate(): void {
    closeSync(this.fd!);
    this.fd = undefined;
    const f = this.o.file;
    if (this.o.keep === 0) rmSync(f, { force: true });
    else {
      rmSync(`${f}.${this.o.keep}`, { force: true });
      for (let i = this.o.keep - 1; i >= 1; i--) if (existsSync(`${f}.${i}`)) renameSync(`${f}.${i}`, `${f}.${i + 1}`);
      renameSync(f, `${f}.1`);
    }
    this.fd = openSync(f, 'a');
    this.size = 0;
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
