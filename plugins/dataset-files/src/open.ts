/** A file as a stream of bytes, gunzipped when it is gzip (by magic bytes, whatever the name says). */
import { createReadStream } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { RecordProblem } from './errors.js';

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

/** Decodes bytes to text chunks without splitting UTF-8 sequences; strips a leading BOM. */
export async function* readText(path: string, signal?: AbortSignal): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const b of readBytes(path, signal)) {
    let s = decoder.decode(b, { stream: true });
    if (first && s.length) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    if (s) yield s;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}
