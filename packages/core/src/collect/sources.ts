/**
 * How collect gets records: a `SourceResolver` turns a manifest source into an AsyncIterable<InstructionRecord>.
 * The CLI resolves through the loader plugins (@selfj/dataset-files, @selfj/dataset-hf); this file holds the
 * contract and a small built-in reader for local JSONL (plain or .gz) with field-path mappings, so collect works
 * on its own (tests, benchmarks, simple manifests).
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { SelfjError } from '../errors.js';
import type { InstructionRecord } from '../contracts/records.js';
import type { ManifestSource } from './manifest.js';

export interface RejectInfo {
  source: string;
  file?: string;
  /** 1-based row (line) number within the file, when known. */
  row?: number;
  reason: string;
  error?: string;
  /** The raw input, truncated to 2,000 characters. */
  raw?: string;
}

export interface SourceContext {
  onBadRecord: 'fail' | 'skip';
  /** Loaders call this for each record they skip under onBadRecord "skip". */
  reject(info: RejectInfo): void;
  signal?: AbortSignal;
}

export type SourceResolver = (
  source: ManifestSource,
  ctx: SourceContext,
) => AsyncIterable<InstructionRecord> | Promise<AsyncIterable<InstructionRecord>>;

/** Mapping understood by the built-in reader: a dot path (or several, joined by a blank line) per field. */
interface PathMapping {
  id?: string;
  instruction?: string | string[];
  reference?: string | string[];
  category?: string;
}

function get(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function field(obj: unknown, spec: string | string[] | undefined, fallbacks: string[]): unknown {
  if (spec === undefined) {
    for (const f of fallbacks) {
      const v = get(obj, f);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  if (!Array.isArray(spec)) return get(obj, spec);
  const parts = spec.map((p) => get(obj, p)).filter((v) => v !== undefined && v !== null && v !== '');
  if (parts.some((v) => typeof v !== 'string')) return parts.find((v) => typeof v !== 'string');
  return parts.length ? parts.join('\n\n') : undefined;
}

/** Built-in local JSONL reader; bad lines become BAD_RECORD errors (or rejects under "skip"). */
export async function* readJsonlSource(source: ManifestSource, ctx: SourceContext): AsyncGenerator<InstructionRecord> {
  const file = source.uri;
  if (!/\.jsonl(\.gz)?$/i.test(file) || /^[a-z][a-z0-9+.-]*:\/\//i.test(file)) {
    throw new SelfjError('PLUGIN_NOT_FOUND', `Source ${source.name}: the built-in reader only reads local .jsonl files (${file})`, {
      details: { source: source.name, file },
      solutions: ['Use the selfj CLI, which reads other formats and hf:// sources through @selfj/dataset-files and @selfj/dataset-hf'],
    });
  }
  const mapping = (source.mapping ?? {}) as PathMapping & { preset?: string };
  if (mapping.preset !== undefined && mapping.preset !== 'alpaca') {
    throw new SelfjError('PLUGIN_NOT_FOUND', `Source ${source.name}: mapping preset ${JSON.stringify(mapping.preset)} needs @selfj/dataset-files`, {
      solutions: ['Give explicit field paths instead: {"instruction": "question", "reference": "answer"}'],
    });
  }
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let row = 0;
  const fail = (reason: string, error: string, line: string): void => {
    if (ctx.onBadRecord === 'skip') {
      ctx.reject({ source: source.name, file, row, reason, error, raw: line.slice(0, 2000) });
      return;
    }
    throw new SelfjError('BAD_RECORD', `Source ${source.name}, file ${file}, row ${row}: ${error}`, {
      details: { source: source.name, file, row, reason },
      solutions: ['Fix the input, or pass --on-bad-record skip to write such rows to rejects.jsonl and continue'],
    });
  };
  try {
    for await (const line of lines) {
      row++;
      if (ctx.signal?.aborted) throw new SelfjError('ABORTED', 'The operation was cancelled.');
      if (line.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (e) {
        fail('malformed-json', (e as Error).message, line);
        continue;
      }
      // Alpaca layout by default: instruction + input (when non-empty).
      const insSpec = mapping.instruction ?? (get(obj, 'instruction') !== undefined ? ['instruction', 'input'] : undefined);
      const instruction = field(obj, insSpec, ['instruction', 'input', 'query', 'question', 'prompt']);
      const reference = field(obj, mapping.reference, ['reference', 'output', 'response', 'answer']);
      if (typeof instruction !== 'string' || typeof reference !== 'string') {
        fail('missing-field', `mapped ${typeof instruction !== 'string' ? 'instruction' : 'reference'} is missing or not a string`, line);
        continue;
      }
      const idv = mapping.id ? get(obj, mapping.id) : undefined;
      const category = mapping.category ? get(obj, mapping.category) : undefined;
      yield {
        id: idv === undefined || idv === null ? `${source.name}:${row}` : `${source.name}:${String(idv)}`,
        instruction,
        reference,
        source: source.name,
        ...(typeof category === 'string' ? { category } : {}),
      };
    }
  } catch (e) {
    if (e instanceof SelfjError) throw e;
    // I/O or gzip failure (e.g. a truncated .gz): name the place it stopped.
    throw new SelfjError('BAD_RECORD', `Source ${source.name}, file ${file}: read failed after row ${row}: ${(e as Error).message}`, {
      cause: e,
      details: { source: source.name, file, row, reason: 'read-error' },
    });
  }
}

export const builtinResolver: SourceResolver = (source, ctx) => readJsonlSource(source, ctx);
