/** A file as a stream of bytes, gunzipped when it is gzip (by magic bytes, whatever the name says). */
import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { RecordProblem } from './errors.js';
import { completeUtf8Length, hexByte, invalidUtf8At } from './utf8.js';

export async function isGzip(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Yields Buffers; a gzip stream that stops early becomes a fatal `truncated` problem. */
export async function* readBytes(path: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const gz = await isGzip(path); // before opening a stream, so a missing file fails here, once
  const raw = createReadStream(path, { highWaterMark: 1 << 20, signal });
  if (!gz) {
    yield* raw as AsyncIterable<Buffer>;
    return;
  }
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  raw.pipe(gunzip);
  try {
    yield* gunzip as AsyncIterable<Buffer>;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(String((e as Error).message))) {
      throw new RecordProblem('the gzip stream ends early (file truncated)', 'truncated', true);
    }
    if (code === 'Z_DATA_ERROR') throw new RecordProblem(`corrupt gzip data (${(e as Error).message})`, 'malformed', true);
    throw e;
  } finally {
    raw.destroy();
  }
}

/**
 * Decodes bytes to text chunks without splitting UTF-8 sequences; strips a leading BOM. Bytes that are not valid
 * UTF-8 stop the file with a fatal `encoding` problem naming the byte and where it is (never U+FFFD in their place).
 */
export async function* readText(path: string, signal?: AbortSignal): AsyncGenerator<string> {
  let tail: Buffer | undefined; // a sequence cut short by the end of the last chunk, completed by the next one
  let offset = 0; // file offset of the next byte to check
  let first = true;
  const check = async (b: Buffer): Promise<void> => {
    const at = invalidUtf8At(b);
    if (at >= 0) throw await notUtf8(path, b[at], offset + at);
  };
  for await (const chunk of readBytes(path, signal)) {
    const b = tail ? Buffer.concat([tail, chunk]) : chunk;
    const n = completeUtf8Length(b);
    await check(b.subarray(0, n));
    offset += n;
    tail = n < b.length ? b.subarray(n) : undefined;
    let s = b.toString('utf8', 0, n);
    if (first && s.length) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    if (s) yield s;
  }
  if (tail) await check(tail); // the file ends inside a multi-byte sequence
}

async function notUtf8(path: string, byte: number, offset: number): Promise<RecordProblem> {
  const where = `byte ${offset + 1} of the file${(await isGzip(path)) ? ' (uncompressed)' : ''}`;
  return new RecordProblem(`the file is not valid UTF-8 (byte ${hexByte(byte)} at ${where}); it must be UTF-8`, 'encoding', true);
}
