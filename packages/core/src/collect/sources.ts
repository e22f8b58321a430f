/**
 * How collect gets records: a `SourceResolver` turns a manifest source into an AsyncIterable<InstructionRecord>.
 * The CLI resolves through the loader plugins (@selfj/dataset-files, @selfj/dataset-hf); this file holds the
 * contract and a small built-in reader for local JSONL (plain or .gz) with field-path mappings, so collect works
 * on its own (tests, benchmarks, simple manifests).
 */
import { isSelfjError, SelfjError } from '../errors.js';
import { readJsonl } from '../infra/jsonl.js';
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
  // core's one JSONL reader: a line that is not valid UTF-8 or is over its length cap is a bad line like invalid JSON
  let row = 0;
  const fail = (reason: string, error: string, line?: string): void => {
    if (ctx.onBadRecord === 'skip') {
      ctx.reject({ source: source.name, file, row, reason, error, ...(line === undefined ? {} : { raw: line.slice(0, 2000) }) });
      return;
    }
    throw new SelfjError('BAD_RECORD', `Source ${source.name}, file ${file}, row ${row}: ${error}`, {
      details: { source: source.name, file, row, reason },
      solutions: ['Fix the input, or pass --on-bad-record skip to write such rows to rejects.jsonl and continue'],
    });
  };
  const aborted = () => new SelfjError('ABORTED', 'The operation was cancelled.');
  try {
    for await (const l of readJsonl(file, { signal: ctx.signal })) {
      row = l.line;
      if (ctx.signal?.aborted) throw aborted();
      if (l.error !== undefined) {
        // a JSON value that is not an object has no fields to map, as before; the rest cannot be read as JSON
        fail(l.kind === 'not-object' ? 'missing-field' : 'malformed-json', l.error, l.raw);
        continue;
      }
      const obj = l.value;
      // Alpaca layout by default: instruction + input (when non-empty).
      const insSpec = mapping.instruction ?? (get(obj, 'instruction') !== undefined ? ['instruction', 'input'] : undefined);
      const instruction = field(obj, insSpec, ['instruction', 'input', 'query', 'question', 'prompt']);
      const reference = field(obj, mapping.reference, ['reference', 'output', 'response', 'answer']);
      if (typeof instruction !== 'string' || typeof reference !== 'string') {
        fail('missing-field', `mapped ${typeof instruction !== 'string' ? 'instruction' : 'reference'} is missing or not a string`, JSON.stringify(obj));
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
    if (ctx.signal?.aborted) throw aborted(); // the reader stops quietly on abort: not a complete source
  } catch (e) {
    if (isSelfjError(e, 'BAD_RECORD') || isSelfjError(e, 'ABORTED')) throw e;
    // The file could not be read (missing, a directory, a truncated .gz): name the place it stopped.
    const why = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
    throw new SelfjError('BAD_RECORD', `Source ${source.name}, file ${file}: read failed after row ${row}: ${why}`, {
      cause: e,
      details: { source: source.name, file, row, reason: 'read-error' },
    });
  }
}

export const builtinResolver: SourceResolver = (source, ctx) => readJsonlSource(source, ctx);
