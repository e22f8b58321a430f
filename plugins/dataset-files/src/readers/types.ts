/** What every reader yields: a raw row (any JSON-like value) or a per-row problem the loader may skip. */
import type { RecordProblem } from '../errors.js';

export interface RawRow {
  /** 0-based row index within the file (counts bad rows too, so ids stay stable when some are skipped). */
  row: number;
  /** 1-based line number where the row starts (line-oriented formats). */
  line?: number;
  value?: unknown;
  problem?: RecordProblem;
  /** The raw text of a bad row (for the rejects file; truncated). */
  raw?: string;
}

export interface ReaderOptions {
  signal?: AbortSignal;
  /** Largest single record (JSON element or JSONL line) in characters. */
  maxRecordBytes: number;
  csv?: { delimiter?: string };
  /** JSON file holding an object: the key of the array of records. */
  jsonField?: string;
}

export const RAW_SNIPPET = 1000;

/** An opened file: `fields` when the format declares them up front (Parquet schema), and its rows. */
export interface OpenedFile {
  fields?: string[];
  /** `columns`: the top-level fields the mapping needs (columnar readers read only these). */
  rows(columns?: string[]): AsyncIterable<RawRow>;
  close?(): Promise<void>;
}
