/** Streaming JSONL reading: one record at a time, each with its file and line for error messages. */
import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { SelfjError } from '../errors.js';

export interface JsonlLine {
  file: string;
  /** 1-based line number. */
  line: number;
  /** The parsed value, or undefined when `error` is set. */
  value?: Record<string, unknown>;
  error?: string;
  /** What is wrong with a bad line (set with `error`). */
  kind?: JsonlProblem;
  /** The start of a bad line's text (up to RAW_SNIPPET_CHARS), when it is text: invalid JSON or not an object. */
  raw?: string;
}

export type JsonlProblem = 'invalid-utf8' | 'too-long' | 'invalid-json' | 'not-object';

/** How much of a bad line travels with it (for a rejects file). */
export const RAW_SNIPPET_CHARS = 2000;

/** Where a record came from, rendered "file:line". */
export function where(l: { file: string; line: number }): string {
  return `${l.file}:${l.line}`;
}

export async function assertReadable(file: string, what = 'input file'): Promise<void> {
  let s: Awaited<ReturnType<typeof stat>>;
  try {
    s = await stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES') throw new SelfjError('BAD_INPUT', `The ${what} ${file} cannot be read: permission denied.`, { solutions: ['Check the file permissions'] });
    throw new SelfjError('NOT_FOUND', `The ${what} ${file} does not exist.`, {
      solutions: ['Check the path', 'Run the previous stage first (or `selfj run` for the whole pipeline)'],
    });
  }
  if (s.isDirectory()) {
    throw new SelfjError('BAD_INPUT', `The ${what} ${file} is a directory, not a file.`, {
      solutions: [`Pass a file: for a stage's output directory, ${file.replace(/[/\\]$/, '')}/records.jsonl`],
      details: { file },
    });
  }
}

export interface ReadJsonlOptions {
  signal?: AbortSignal;
  /**
   * How bytes become text. 'utf8' (default): a line that is not valid UTF-8 is a bad line (never silently
   * replaced by U+FFFD); 'latin1': every byte is one character (for legacy ISO-8859-1 exports).
   */
  encoding?: 'utf8' | 'latin1';
  /** A longer line is a bad line and is skipped without being held in memory (default 64 MiB). */
  maxLineBytes?: number;
}

/** Byte offset of the first invalid UTF-8 sequence (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n >= b.length) return i; // cut short by the end of the line
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Yields every non-empty line of a JSONL file (gzip-compressed when the name ends in .gz); a bad line (invalid
 * JSON, not an object, invalid UTF-8, too long) comes back with `error` set and never stops the reading: the
 * caller decides. A file that cannot be read (missing, a directory, a broken gzip stream) throws, naming it.
 */
export async function* readJsonl(file: string, options: ReadJsonlOptions = {}): AsyncGenerator<JsonlLine> {
  await assertReadable(file);
  const encoding = options.encoding ?? 'utf8';
  const maxLine = options.maxLineBytes ?? 64 * 1024 * 1024;
  // Plain buffer splitting (no readline): lines are parsed straight from each chunk; only a line that spans two
  // chunks is copied. JSONL lines end in \n; a \r before it is harmless whitespace to JSON.parse.
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  if (stream !== raw) raw.on('error', (e) => stream.destroy(e)); // pipe() does not forward read errors
  let line = 0;
  let carry: Buffer[] = []; // pieces of a line that spans chunks
  let carried = 0; // their bytes
  let skipping = false; // inside an over-long line: drop bytes until its newline
  const one = (bytes: Buffer): JsonlLine | undefined => {
    line++;
    if (encoding === 'utf8' && !isUtf8(bytes)) {
      const at = Math.max(0, firstInvalidUtf8(bytes));
      return { file, line, kind: 'invalid-utf8', error: `invalid UTF-8 (byte 0x${bytes[at].toString(16).padStart(2, '0')} at byte ${at + 1} of the line); re-encode the file as UTF-8, or read it as Latin-1 (encoding 'latin1')` };
    }
    let text = bytes.toString(encoding);
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte-order mark
    if (!text.trim()) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { file, line, kind: 'invalid-json', error: `invalid JSON (${(e as Error).message})`, raw: text.slice(0, RAW_SNIPPET_CHARS) };
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { file, line, kind: 'not-object', error: 'expected a JSON object', raw: text.slice(0, RAW_SNIPPET_CHARS) };
    return { file, line, value: value as Record<string, unknown> };
  };
  const tooLong = (): JsonlLine => ({ file, line: ++line, kind: 'too-long', error: `line longer than ${maxLine} bytes (skipped)` });
  try {
    for await (const chunk of stream) {
      if (options.signal?.aborted) break;
      const buf = chunk as Buffer;
      let start = 0;
      if (skipping) {
        const nl = buf.indexOf(10);
        if (nl === -1) continue;
        skipping = false;
        start = nl + 1;
      }
      if (carried) {
        // the line started in an earlier chunk: gather its pieces, joined once at its end (a long line is
        // not copied again with every chunk)
        const nl = buf.indexOf(10, start);
        const end = nl === -1 ? buf.length : nl;
        carry.push(buf.subarray(start, end));
        carried += end - start;
        if (nl === -1) {
          if (carried > maxLine) {
            yield tooLong();
            skipping = true;
            carry = [];
            carried = 0;
          }
          continue;
        }
        const r = carried > maxLine ? tooLong() : one(Buffer.concat(carry, carried));
        carry = [];
        carried = 0;
        start = nl + 1;
        if (r) yield r;
      }
      for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
        const r = nl - start > maxLine ? tooLong() : one(buf.subarray(start, nl));
        start = nl + 1;
        if (r) yield r;
      }
      if (start < buf.length) {
        if (buf.length - start > maxLine) {
          yield tooLong();
          skipping = true;
        } else {
          carry = [buf.subarray(start)];
          carried = buf.length - start;
        }
      }
    }
    if (carried && !options.signal?.aborted) {
      const r = one(Buffer.concat(carry, carried));
      if (r) yield r;
    }
  } catch (e) {
    if (e instanceof SelfjError) throw e;
    throw new SelfjError('BAD_INPUT', `Cannot read ${file} (after line ${line}): ${(e as Error).message}`, {
      solutions: file.endsWith('.gz') ? ['The gzip stream is damaged or truncated: recompress or re-download the file'] : ['Check the file and the disk it is on'],
      details: { file, line },
      cause: e,
    });
  } finally {
    stream.destroy();
    raw.destroy();
  }
}

/** True when bytes [from, to) hold something besides ASCII whitespace (a line readJsonl would not skip as blank). */
function hasContent(b: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 11 && c !== 12) return true;
  }
  return false;
}

/**
 * Number of non-empty lines of a file (blank and whitespace-only lines are not counted, as readJsonl skips them),
 * by scanning bytes (fast; used for progress totals only).
 */
export async function countLines(file: string): Promise<number> {
  let n = 0;
  let content = false; // the line being read so far has content (it may span chunks)
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // A .gz input is counted through gunzip, as readJsonl reads it (its compressed bytes are not lines).
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  for await (const chunk of stream) {
    const b = chunk as Buffer;
    let start = 0;
    for (let nl = b.indexOf(10); nl !== -1; nl = b.indexOf(10, start)) {
      if (content || hasContent(b, start, nl)) n++;
      content = false;
      start = nl + 1;
    }
    if (!content) content = hasContent(b, start, b.length);
  }
  return content ? n + 1 : n;
}
