/** The file format from the name (a trailing .gz is looked through) and the matching reader. */
import { SelfjError } from '@selfj/core';
import { openCsv } from './readers/csv.js';
import { openJson } from './readers/json.js';
import { openJsonl } from './readers/jsonl.js';
import { openParquet } from './readers/parquet.js';
import type { OpenedFile, ReaderOptions } from './readers/types.js';

export type FileFormat = 'jsonl' | 'json' | 'csv' | 'tsv' | 'parquet';

const BY_EXT: Record<string, FileFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  jsonlines: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  tab: 'tsv',
  parquet: 'parquet',
  pq: 'parquet',
};

export function formatOf(path: string): FileFormat | undefined {
  const name = path.toLowerCase().replace(/\.(gz|gzip)$/, '');
  const ext = /\.([a-z]+)$/.exec(name)?.[1];
  return ext ? BY_EXT[ext] : undefined;
}

export function isDataFile(path: string): boolean {
  return formatOf(path) !== undefined;
}

export async function openFile(path: string, format: FileFormat, opts: ReaderOptions): Promise<OpenedFile> {
  switch (format) {
    case 'jsonl':
      return openJsonl(path, opts);
    case 'json':
      return openJson(path, opts);
    case 'csv':
      return openCsv(path, opts, ',');
    case 'tsv':
      return openCsv(path, opts, '\t');
    case 'parquet':
      return openParquet(path, opts);
    default:
      throw new SelfjError('BAD_CONFIG', `Unknown file format "${String(format)}".`, {
        solutions: ['Use one of jsonl, json, csv, tsv, parquet (optionally gzipped).'],
      });
  }
}
