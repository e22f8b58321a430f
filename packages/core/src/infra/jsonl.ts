/** Streaming JSONL reading: one record at a time, each with its file and line for error messages. */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { SelfjError } from '../errors.js';

export interface JsonlLine {
  file: string;
  /** 1-based line number. */
  line: number;
  /** The parsed value, or undefined when `error` is set. */
  value?: Record<string, unknown>;
  error?: string;
}

/** Where a record came from, rendered "file:line". */
export function where(l: { file: string; line: number }): string {
  return `${l.file}:${l.line}`;
}

export async function assertReadable(file: string, what = 'input file'): Promise<void> {
  try {
    await access(file);
  } catch {
    throw new SelfjError('NOT_FOUND', `The ${what} ${file} does not exist.`, {
      solutions: ['Check the path', 'Run the previous stage first (or `selfj run` for the whole pipeline)'],
    });
  }
}

/**
 * Yields every non-empty line of a JSONL file (gzip-compressed when the name ends in .gz); bad JSON or a non-object
 * comes back with `error` set (the caller decides).
 */
export async function* readJsonl(file: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<JsonlLine> {
  await assertReadable(file);
  // Plain buffer splitting (no readline): lines are parsed straight from each chunk; only a line that spans two
  // chunks is copied. JSONL lines end in \n; a \r before it is harmless whitespace to JSON.parse.
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  let line = 0;
  let carry: Buffer | undefined;
  const one = (text: string): JsonlLine | undefined => {
    line++;
    if (!text.trim()) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return { file, line, error: `invalid JSON (${(e as Error).message})` };
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { file, line, error: 'expected a JSON object' };
    return { file, line, value: value as Record<string, unknown> };
  };
  try {
    for await (const chunk of stream) {
      if (options.signal?.aborted) break;
      let buf = chunk as Buffer;
      if (carry) {
        buf = Buffer.concat([carry, buf]);
        carry = undefined;
      }
      let start = 0;
      for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10, start)) {
        const r = one(buf.toString('utf8', start, nl));
        start = nl + 1;
        if (r) yield r;
      }
      if (start < buf.length) carry = buf.subarray(start);
    }
    if (carry && !options.signal?.aborted) {
      const r = one(carry.toString('utf8'));
      if (r) yield r;
    }
  } finally {
    stream.destroy();
    raw.destroy();
  }
}

/** Number of non-empty lines of a file, by scanning bytes (fast; used for progress totals only). */
export async function countLines(file: string): Promise<number> {
  let n = 0;
  let last = 10;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++;
    last = b[b.length - 1];
  }
  return last === 10 ? n : n + 1;
}
