/** Streaming JSONL I/O for collect: a buffered writer with atomic finish (temp file + rename) and a line reader. */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const FLUSH_CHARS = 1 << 20;

/** Characters JSON.stringify escapes in a string: quote, backslash, control characters, (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Same as JSON.stringify(s) for a string, cheaper for the common case: one native regex scan, and when nothing
 * needs escaping the quotes are added by concatenation (JSON.stringify's per-character escaping loop costs about
 * 3x the scan). Any quote, backslash, control character or surrogate takes JSON.stringify itself.
 */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** Raw bytes are gathered into blocks of this size before they go to the stream. */
const RAW_BLOCK = 1 << 20;

/** Writes lines to `<path>.tmp`; `commit()` renames it to `path`, `abort()` removes it. */
export class AtomicLineWriter {
  readonly path: string;
  readonly tmpPath: string;
  private stream: WriteStream;
  /** Pending string lines; at most one of `buf` and `raw` holds data, so the order of writes is kept. */
  private buf: string[] = [];
  private bufChars = 0;
  private raw: Buffer | null = null;
  private rawLen = 0;
  private failed: Error | undefined;
  lines = 0;

  /** `append`: continue an existing `<path>.tmp` instead of starting it afresh. */
  constructor(path: string, options: { append?: boolean } = {}) {
    this.path = path;
    this.tmpPath = `${path}.tmp`;
    this.stream = createWriteStream(this.tmpPath, { flags: options.append ? 'a' : 'w' });
    this.stream.on('error', (e) => (this.failed = e));
  }

  /** Appends one line (without newline); await the result only when it is a Promise (backpressure). */
  write(line: string): Promise<void> | undefined {
    if (this.rawLen > 0) this.sendRaw();
    this.buf.push(line);
    this.bufChars += line.length + 1;
    this.lines++;
    return this.bufChars >= FLUSH_CHARS ? this.flush() : undefined;
  }

  /**
   * Appends raw bytes (complete lines, newline included) after any pending lines. Small pieces are copied into
   * 1 MB blocks, so routing many short runs of lines costs few stream writes. Await the result only when it is a
   * Promise (backpressure).
   */
  writeRaw(bytes: Uint8Array, lines: number): Promise<void> | undefined {
    this.lines += lines;
    if (this.buf.length > 0) this.sendLines();
    if (this.rawLen + bytes.length > RAW_BLOCK && this.rawLen > 0 && !this.sendRaw()) {
      return this.drained().then(() => this.writeRaw(bytes, 0));
    }
    if (bytes.length >= RAW_BLOCK) return this.send(bytes) ? undefined : this.drained();
    this.raw ??= Buffer.allocUnsafe(RAW_BLOCK);
    this.raw.set(bytes, this.rawLen);
    this.rawLen += bytes.length;
    return undefined;
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    const ok = this.rawLen > 0 ? this.sendRaw() : this.buf.length > 0 ? this.sendLines() : true;
    if (!ok) await this.drained();
  }

  /** Hands the pending lines to the stream; false when the stream asks to wait for 'drain'. */
  private sendLines(): boolean {
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.bufChars = 0;
    return this.send(chunk);
  }

  /** Hands the pending raw block to the stream (the stream keeps it: the next block is a new buffer). */
  private sendRaw(): boolean {
    const block = (this.raw as Buffer).subarray(0, this.rawLen);
    this.raw = null;
    this.rawLen = 0;
    return this.send(block);
  }

  /** A stream error is remembered by the 'error' handler and thrown by flush() and commit(). */
  private send(chunk: string | Uint8Array): boolean {
    return this.stream.write(chunk);
  }

  private drained(): Promise<void> {
    return new Promise<void>((res) => this.stream.once('drain', res));
  }

  private async close(): Promise<void> {
    await new Promise<void>((res, rej) => this.stream.end((e?: Error | null) => (e ? rej(e) : res())));
    if (this.failed) throw this.failed;
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.close();
    await rename(this.tmpPath, this.path);
  }

  /** Closes and removes the temp file (the previous `path`, if any, is untouched). */
  async abort(): Promise<void> {
    this.buf = [];
    this.raw = null;
    this.rawLen = 0;
    await this.close().catch(() => {});
    await rm(this.tmpPath, { force: true });
  }
}

/** Lines of a UTF-8 file, streamed (no whole-file read); a final line without newline is included. */
export async function* readLines(path: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    const parts = text.split('\n');
    rest = parts.pop() as string;
    for (const p of parts) yield p;
  }
  rest += decoder.end();
  if (rest.length > 0) yield rest;
}

/** Like readLines, but yields arrays of lines (one per ~1 MB read): far fewer async steps for millions of lines. */
export async function* readLineBatches(path: string): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    const parts = text.split('\n');
    rest = parts.pop() as string;
    if (parts.length > 0) yield parts;
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest];
}
