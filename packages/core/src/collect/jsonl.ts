/** Streaming JSONL I/O for collect: a buffered writer with atomic finish (infra's commitTempFile) and a line reader. */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { commitTempFile } from '../infra/atomic.js';
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

/**
 * JSON.stringify(s) without its quotes: `s` itself when nothing needs escaping (`plain`, if the caller knows it),
 * else a slice of JSON.stringify(s) (a view, no copy).
 */
export function jsonInner(s: string, plain = !NEEDS_ESCAPE.test(s)): string {
  return plain ? s : JSON.stringify(s).slice(1, -1);
}

/** Bytes (raw lines, or lines written as parts) are gathered into blocks of this size before they go to the stream. */
const BLOCK = 1 << 20;
/** Blocks kept for reuse once the stream has written them (no fresh, page-faulting 1 MB allocation per block). */
const SPARE_BLOCKS = 4;

/** Writes lines to `<path>.tmp`; `commit()` renames it to `path`, `abort()` removes it. */
export class AtomicLineWriter {
  readonly path: string;
  readonly tmpPath: string;
  private stream: WriteStream;
  /** Pending string lines; at most one of `buf` and `block` holds data, so the order of writes is kept. */
  private buf: string[] = [];
  private bufChars = 0;
  /** The block being filled with bytes, and how many it holds. */
  private block: Buffer | null = null;
  private blockLen = 0;
  private readonly spare: Buffer[] = [];
  private failed: Error | undefined;
  lines = 0;

  /** `append`: continue an existing `<path>.tmp` instead of starting it afresh. */
  constructor(path: string, options: { append?: boolean } = {}) {
    this.path = path;
    this.tmpPath = `${path}.tmp`;
    // Room for a few blocks in flight, so a full block does not stop the producer until the disk write returns.
    this.stream = createWriteStream(this.tmpPath, { flags: options.append ? 'a' : 'w', highWaterMark: (SPARE_BLOCKS - 1) * BLOCK });
    this.stream.on('error', (e) => (this.failed = e));
  }

  /** Appends one line (without newline); await the result only when it is a Promise (backpressure). */
  write(line: string): Promise<void> | undefined {
    if (this.blockLen > 0) this.sendBlock();
    this.buf.push(line);
    this.bufChars += line.length + 1;
    this.lines++;
    return this.bufChars >= FLUSH_CHARS ? this.flush() : undefined;
  }

  /**
   * Appends one line made of `parts[0..n)` joined without separator (newline added), encoded as UTF-8 straight
   * into the current block: no line string is built, joined or converted. Await the result only when it is a
   * Promise (backpressure; the line is written either way).
   */
  writeParts(parts: readonly string[], n = parts.length): Promise<void> | undefined {
    let ok = this.buf.length > 0 ? this.sendLines() : true;
    let max = 1;
    for (let k = 0; k < n; k++) max += parts[k].length;
    max *= 3; // UTF-8 bytes per UTF-16 code unit, at most
    if (this.block && this.blockLen + max > this.block.length) ok = this.sendBlock() && ok;
    const block = (this.block ??= this.newBlock(max));
    let off = this.blockLen;
    for (let k = 0; k < n; k++) off += block.write(parts[k], off);
    block[off++] = 10;
    this.blockLen = off;
    this.lines++;
    return ok ? undefined : this.drained();
  }

  /**
   * Appends raw bytes (complete lines, newline included) after any pending lines. Small pieces are copied into
   * 1 MB blocks, so routing many short runs of lines costs few stream writes. Await the result only when it is a
   * Promise (backpressure; the bytes are taken either way).
   */
  writeRaw(bytes: Uint8Array, lines: number): Promise<void> | undefined {
    this.lines += lines;
    let ok = this.buf.length > 0 ? this.sendLines() : true;
    if (this.block && this.blockLen + bytes.length > this.block.length) ok = this.sendBlock() && ok;
    if (bytes.length >= BLOCK) {
      ok = this.send(bytes) && ok;
    } else {
      const block = (this.block ??= this.newBlock(0));
      block.set(bytes, this.blockLen);
      this.blockLen += bytes.length;
    }
    return ok ? undefined : this.drained();
  }

  async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    const ok = this.blockLen > 0 ? this.sendBlock() : this.buf.length > 0 ? this.sendLines() : true;
    if (!ok) await this.drained();
  }

  /** Hands the pending lines to the stream; false when the stream asks to wait for 'drain'. */
  private sendLines(): boolean {
    const chunk = this.buf.join('\n') + '\n';
    this.buf = [];
    this.bufChars = 0;
    return this.send(chunk);
  }

  /** Hands the filled part of the block to the stream; the block is reused once the stream has written it. */
  private sendBlock(): boolean {
    const block = this.block as Buffer;
    const len = this.blockLen;
    this.block = null;
    this.blockLen = 0;
    if (len === 0) return true;
    return this.stream.write(block.subarray(0, len), () => {
      if (block.length === BLOCK && this.spare.length < SPARE_BLOCKS) this.spare.push(block);
    });
  }

  private newBlock(min: number): Buffer {
    if (min <= BLOCK) return this.spare.pop() ?? Buffer.allocUnsafe(BLOCK);
    return Buffer.allocUnsafe(min);
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
    commitTempFile(this.tmpPath, this.path);
  }

  /** Closes and removes the temp file (the previous `path`, if any, is untouched). */
  async abort(): Promise<void> {
    this.buf = [];
    this.block = null;
    this.blockLen = 0;
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
