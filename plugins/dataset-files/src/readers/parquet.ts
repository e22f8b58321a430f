/**
 * Parquet through hyparquet: the footer gives the schema, then rows are read one row group at a time and only for
 * the columns the mapping needs, so memory is bounded by a row group, never the file. Codecs beyond snappy (zstd,
 * gzip, brotli, lz4) come from hyparquet-compressors. A gzipped Parquet file is first inflated to a temp file
 * (Parquet needs random access).
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { RecordProblem } from '../errors.js';
import { isGzip, readBytes } from '../open.js';
import type { OpenedFile, RawRow, ReaderOptions } from './types.js';

const MAGIC = 'PAR1';

async function inflateToTemp(path: string, signal?: AbortSignal): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'selfj-parquet-'));
  const file = join(dir, 'data.parquet');
  try {
    await pipeline(Readable.from(readBytes(path, signal)), createWriteStream(file));
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { file, dir };
}

export async function openParquet(path: string, opts: ReaderOptions): Promise<OpenedFile> {
  let local = path;
  let tempDir: string | undefined;
  if (await isGzip(path)) {
    const t = await inflateToTemp(path, opts.signal);
    local = t.file;
    tempDir = t.dir;
  }
  const cleanup = async () => {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  };
  try {
    const file = await asyncBufferFromFile(local);
    const head = Buffer.from(await file.slice(0, 4)).toString('latin1');
    const tail = file.byteLength >= 8 ? Buffer.from(await file.slice(file.byteLength - 4)).toString('latin1') : '';
    if (head !== MAGIC) throw new RecordProblem('not a Parquet file (no PAR1 header)', 'malformed', true);
    if (tail !== MAGIC) throw new RecordProblem(`the file ends early: no Parquet footer (${(await stat(local)).size} bytes)`, 'truncated', true);
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      throw new RecordProblem(`unreadable Parquet footer (${(e as Error).message})`, 'malformed', true);
    }
    const fields = parquetSchema(metadata).children.map((c) => c.element.name);
    return {
      fields,
      close: cleanup,
      async *rows(columns?: string[]): AsyncGenerator<RawRow> {
        try {
          const wanted = columns?.filter((c) => fields.includes(c));
          let start = 0;
          for (const rg of metadata.row_groups) {
            if (opts.signal?.aborted) return;
            const n = Number(rg.num_rows);
            let rows: Record<string, unknown>[];
            try {
              rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: start + n, columns: wanted, compressors });
            } catch (e) {
              throw new RecordProblem(`unreadable Parquet row group at rows ${start}-${start + n - 1} (${(e as Error).message})`, 'malformed', true);
            }
            for (let k = 0; k < rows.length; k++) yield { row: start + k, value: rows[k] };
            start += n;
          }
        } finally {
          await cleanup();
        }
      },
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
