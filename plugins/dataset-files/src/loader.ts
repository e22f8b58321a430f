/**
 * FilesDataset: local JSONL / JSON / CSV / TSV / Parquet files (plain or .gz) streamed as InstructionRecords with
 * stable ids. Bad records stop the run with a BAD_RECORD error naming source, file and row, or (onBadRecord:
 * "skip") go to the rejects sink with their reason; records already yielded are never taken back.
 */
import { SelfjError, throwIfAborted, type DatasetLoader, type InstructionRecord } from '@selfj/core';
import { badRecord, RecordProblem, type Where } from './errors.js';
import { formatOf, openFile, type FileFormat } from './format.js';
import { getPath } from './fieldpath.js';
import { expandLocal } from './glob.js';
import { idMaker } from './id.js';
import { compileMapping, detectPreset, presetMapper, PRESET_NAMES, type FieldMapping, type Mapper, type PresetName } from './mapping.js';
import { rejectsFile, type Reject, type RejectSink } from './rejects.js';
import type { OpenedFile, RawRow } from './readers/types.js';

export interface FileInput {
  /** Where the bytes are. */
  path: string;
  /** How the file is named in ids and errors (e.g. its path in a Hub repo); default: `path`. */
  name?: string;
  /** Makes the file available (e.g. downloads it) just before it is read; returns the local path. */
  fetch?: () => Promise<string>;
}

export interface FilesDatasetOptions {
  /** Paths or glob patterns, or {path, name} pairs. */
  files: string | Array<string | FileInput>;
  /** Names the source in ids, errors and records (default: the files as given). */
  source?: string;
  /** Part of every id (a dataset version or Hub commit). */
  revision?: string;
  /** Default: from each file's extension. */
  format?: FileFormat;
  /** A preset name, or "auto" (default when no mapping): detected from the first file's fields. */
  preset?: PresetName | 'auto';
  mapping?: FieldMapping;
  /** Category for every record (else the mapping's `category`, if any). */
  category?: string;
  /**
   * Other fields of each row to keep on the record (`fields`, by the path given): a recorded response, an external
   * grade such as gpt4_score. Dotted paths read nested values.
   */
  keep?: string[];
  onBadRecord?: 'fail' | 'skip';
  /** A JSONL file path or a callback that receives each skipped record. */
  rejects?: string | RejectSink;
  /** Largest single record, in characters (default 64 MiB). */
  maxRecordBytes?: number;
  csvDelimiter?: string;
  /** For a JSON file holding an object: the key of its record array. */
  jsonField?: string;
  /** Stop after this many records. */
  limit?: number;
  /** Loader id (default: "file:<source>"). */
  id?: string;
}

export interface FilesDatasetStats {
  files: number;
  rows: number;
  records: number;
  rejected: number;
  rejectedByKind: Record<string, number>;
  /** The preset or mapping used. */
  mapping?: string;
}

const DEFAULT_MAX_RECORD = 64 * 1024 * 1024;

export class FilesDataset implements DatasetLoader {
  readonly id: string;
  readonly source: string;
  stats: FilesDatasetStats = { files: 0, rows: 0, records: 0, rejected: 0, rejectedByKind: {} };
  private readonly sink?: RejectSink;

  constructor(readonly options: FilesDatasetOptions) {
    const list = Array.isArray(options.files) ? options.files : [options.files];
    if (list.length === 0) throw new SelfjError('BAD_CONFIG', 'A files data set needs at least one file.');
    this.source = options.source ?? list.map((f) => (typeof f === 'string' ? f : (f.name ?? f.path))).join(',');
    this.id = options.id ?? `file:${this.source}`;
    if (options.preset && options.preset !== 'auto' && !PRESET_NAMES.includes(options.preset)) presetMapper(options.preset); // throws BAD_CONFIG
    this.sink = typeof options.rejects === 'string' ? rejectsFile(options.rejects) : options.rejects;
  }

  private async inputs(): Promise<FileInput[]> {
    const list = Array.isArray(this.options.files) ? this.options.files : [this.options.files];
    const out: FileInput[] = [];
    for (const f of list) {
      if (typeof f !== 'string') out.push(f);
      else {
        const found = await expandLocal(f);
        if (found.length === 0) {
          throw new SelfjError('NOT_FOUND', `${this.source}: no file matches "${f}".`, { solutions: ['Check the path or glob pattern.'] });
        }
        out.push(...found.map((path) => ({ path })));
      }
    }
    return out;
  }

  private initialMapper(): Mapper | undefined {
    const o = this.options;
    if (o.mapping) return compileMapping(o.mapping);
    if (o.preset && o.preset !== 'auto') return presetMapper(o.preset);
    return undefined;
  }

  /** Rejects (skip) or throws (fail). */
  private async problem(where: Where, p: RecordProblem, raw?: string): Promise<void> {
    if ((this.options.onBadRecord ?? 'fail') === 'fail') throw badRecord(where, p);
    this.stats.rejected++;
    this.stats.rejectedByKind[p.kind] = (this.stats.rejectedByKind[p.kind] ?? 0) + 1;
    const r: Reject = { source: where.source, file: where.file, row: where.row, kind: p.kind, reason: p.reason };
    if (where.line !== undefined) r.line = where.line;
    if (raw !== undefined) r.raw = raw;
    await this.sink?.(r);
  }

  private detect(fields: string[], where: Where): Mapper {
    const name = detectPreset(fields);
    if (!name) {
      throw new SelfjError('BAD_CONFIG', `${where.source}: ${where.file}: cannot tell which fields hold the instruction and the reference (fields: ${fields.join(', ') || 'none'}).`, {
        solutions: [`Name a preset (${PRESET_NAMES.join(', ')}) or give an explicit mapping, e.g. {"instruction": "prompt", "reference": "answer"}.`],
        details: { source: where.source, file: where.file, fields },
      });
    }
    return presetMapper(name);
  }

  async *records(opts: { signal?: AbortSignal } = {}): AsyncGenerator<InstructionRecord> {
    const { signal } = opts;
    const o = this.options;
    const revision = o.revision ?? '';
    const limit = o.limit ?? Infinity;
    let mapper = this.initialMapper();
    this.stats = { files: 0, rows: 0, records: 0, rejected: 0, rejectedByKind: {}, mapping: mapper?.name };
    if (limit <= 0) return;
    for (const input of await this.inputs()) {
      throwIfAborted(signal);
      const file = input.name ?? input.path;
      const fileWhere: Where = { source: this.source, file, row: null };
      const idOf = idMaker(this.source, revision, file);
      const format = o.format ?? formatOf(file) ?? formatOf(input.path);
      if (!format) {
        throw new SelfjError('BAD_CONFIG', `${this.source}: ${file}: unknown file type.`, {
          solutions: ['Use .jsonl, .json, .csv, .tsv or .parquet (optionally .gz), or set the format option.'],
        });
      }
      this.stats.files++;
      let opened: OpenedFile | undefined;
      let nextRow = 0;
      try {
        const local = input.fetch ? await input.fetch() : input.path;
        opened = await openFile(local, format, { signal, maxRecordBytes: o.maxRecordBytes ?? DEFAULT_MAX_RECORD, csv: { delimiter: o.csvDelimiter }, jsonField: o.jsonField });
        if (opened.fields) {
          mapper ??= this.detect(opened.fields, fileWhere);
          this.stats.mapping = mapper.name;
          const missing = mapper.missingFields(opened.fields);
          if (missing.length) {
            throw new RecordProblem(`another schema: the file's columns are [${opened.fields.join(', ')}] but the ${mapper.name} mapping needs [${missing.join(', ')}]`, 'schema', true);
          }
        }
        const keep = o.keep ?? [];
        const columns = mapper ? [...new Set([...mapper.columns, ...keep.map((k) => k.split('.')[0])])] : undefined;
        for await (const raw of opened.rows(columns) as AsyncIterable<RawRow>) {
          throwIfAborted(signal);
          nextRow = raw.row + 1;
          this.stats.rows++;
          const where: Where = { source: this.source, file, row: raw.row, ...(raw.line !== undefined ? { line: raw.line } : {}) };
          if (raw.problem) {
            await this.problem(where, raw.problem, raw.raw);
            continue;
          }
          if (!mapper) {
            const v = raw.value;
            mapper = this.detect(v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : [], where);
            this.stats.mapping = mapper.name;
          }
          let mapped: ReturnType<Mapper['apply']>;
          try {
            mapped = mapper.apply(raw.value);
          } catch (e) {
            if (!(e instanceof RecordProblem)) throw e;
            await this.problem(where, e, rawSnippet(raw.value));
            continue;
          }
          const category = o.category ?? mapped.category;
          const rec: InstructionRecord = { id: idOf(raw.row), instruction: mapped.instruction, reference: mapped.reference, source: this.source };
          if (category !== undefined) rec.category = category;
          if (keep.length) {
            const fields: Record<string, unknown> = {};
            for (const k of keep) {
              const v = getPath(raw.value, k);
              if (v !== undefined) fields[k] = v;
            }
            rec.fields = fields;
          }
          this.stats.records++;
          yield rec;
          if (this.stats.records >= limit) return;
        }
      } catch (e) {
        if (e instanceof RecordProblem) {
          // a whole-file problem (schema, truncation, not this format): in skip mode the rest of the file is rejected
          await this.problem({ ...fileWhere, row: e.kind === 'schema' ? null : nextRow }, e);
          continue;
        }
        if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') {
          throw new SelfjError('NOT_FOUND', `${this.source}: file ${file} does not exist.`, { solutions: ['Check the path.'], details: { file } });
        }
        if ((e as Error)?.name === 'AbortError') throwIfAborted(signal ?? AbortSignal.abort());
        throw e;
      } finally {
        await opened?.close?.();
      }
    }
  }
}

function rawSnippet(v: unknown): string | undefined {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))?.slice(0, 1000);
  } catch {
    return undefined;
  }
}

