/** Streaming JSONL I/O for collect: a buffered writer with atomic finish (temp file + rename) and a line reader. */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const FLUSH_CHARS = 1 << 20;

/** Writes lines to `<path>.tmp`; `commit()` renames it to `path`, `abort()` removes it. */
export class AtomicLineWriter {
  readonly path: string;
  readonly tmpPath: string;
  private stream: WriteStream;
  private buf: string[] = [];
  private bufChars = 0;
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
    this.buf.push(line);
    this.bufChars += line.length + 1;
    this.lines++;
    return this.bufChars >= FLUSH_CHARS ? this.flush() : undefined;
  }

  /** Appends raw bytes (complete lines, newline included) after any pending lines; resolves when buffered. */
  async writeRaw(bytes: Uint8Array, lines: number): Promise<void> {
    await this.flush();
    this.lines += lines;
    if (!this.stream.write(bytes)) await new Promise<void>((res) => this.stream.once('drain', res));
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.bufChars = 0;
    if (!this.stream.write(chunk)) await new Promise<void>((res) => this.stream.once('drain', res));
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
