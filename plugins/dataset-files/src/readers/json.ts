/**
 * JSON files. A top-level array is streamed element by element (a small scanner finds element boundaries, each
 * element is JSON.parse'd on its own), so a multi-GB array never sits in memory. A top-level object (e.g.
 * {"data": [...]}) is read whole, bounded by maxRecordBytes, with a clear error beyond that. A ".json" file that is
 * really JSON Lines (first line a complete value) is read as JSONL, as Hugging Face `datasets` does.
 */
import { parseJson } from './parse.js';
import { RecordProblem } from '../errors.js';
import { readBytes, readText } from '../open.js';
import { jsonlRows } from './jsonl.js';
import { RAW_SNIPPET, type OpenedFile, type RawRow, type ReaderOptions } from './types.js';

type Phase = 'start' | 'between' | 'element' | 'end';

const STRING_STOP = /["\\]/g;

async function* arrayRows(chunks: AsyncIterable<string>, opts: ReaderOptions): AsyncGenerator<RawRow> {
  let phase: Phase = 'start';
  let depth = 0;
  let inStr = false;
  let esc = false;
  let parts: string[] = [];
  let size = 0;
  let oversize = false;
  let row = 0;
  const finish = (text: string): RawRow => {
    if (oversize || text.length > opts.maxRecordBytes) {
      oversize = false;
      return { row: row++, problem: new RecordProblem(`an array element larger than ${opts.maxRecordBytes} characters`, 'too-large') };
    }
    try {
      return { row: row++, value: parseJson(text) };
    } catch (e) {
      return { row: row++, problem: new RecordProblem(`malformed JSON element (${(e as Error).message})`, 'malformed'), raw: text.slice(0, RAW_SNIPPET) };
    }
  };
  for await (const chunk of chunks) {
    let elemStart = phase === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (phase === 'element') {
        if (inStr) {
          if (esc) esc = false;
          else if (c === 92 /* \ */) esc = true;
          else if (c === 34 /* " */) inStr = false;
          else {
            // jump over the body of a string (most of the bytes) to its next quote or backslash
            STRING_STOP.lastIndex = i;
            const m = STRING_STOP.exec(chunk);
            i = (m ? m.index : chunk.length) - 1;
          }
          continue;
        }
        if (c === 34) inStr = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93 || c === 44) {
          // a scalar element ends at "," or "]" (depth 0); a container ends at its own closing bracket
          if (depth === 0) {
            yield finish(parts.join('') + chunk.slice(elemStart, i));
            parts = [];
            size = 0;
            phase = c === 93 ? 'end' : 'between';
            continue;
          }
          if (c !== 44 && --depth === 0) {
            yield finish(parts.join('') + chunk.slice(elemStart, i + 1));
            parts = [];
            size = 0;
            phase = 'between';
          }
        }
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (phase === 'start') {
        if (c !== 91) throw new RecordProblem('not a JSON array', 'malformed', true);
        phase = 'between';
      } else if (phase === 'between') {
        if (c === 44) continue;
        if (c === 93) {
          phase = 'end';
          continue;
        }
        phase = 'element';
        elemStart = i;
        depth = 0;
        i--; // re-read this character as part of the element
      } else {
        throw new RecordProblem(`unexpected content after the closing "]" (after ${row} records)`, 'malformed', true);
      }
    }
    if (phase === 'element') {
      const piece = chunk.slice(elemStart);
      if (!oversize) {
        size += piece.length;
        if (size > opts.maxRecordBytes) {
          oversize = true;
          parts = [];
        } else parts.push(piece);
      }
    }
  }
  if ((phase as Phase) !== 'end') {
    throw new RecordProblem(`the file ends early: the JSON array is not closed (after ${row} complete records)`, 'truncated', true);
  }
}

async function readWhole(path: string, opts: ReaderOptions): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for await (const chunk of readText(path, opts.signal)) {
    size += chunk.length;
    if (size > opts.maxRecordBytes) {
      throw new RecordProblem(
        `a JSON object file larger than ${opts.maxRecordBytes} characters cannot be streamed; only a top-level array (or JSON Lines) can`,
        'too-large',
        true,
      );
    }
    parts.push(chunk);
  }
  return parts.join('');
}

/** The record array inside a top-level object: `jsonField`, else the only array-valued property. */
function recordsOf(obj: Record<string, unknown>, field?: string): unknown[] {
  if (field) {
    const v = obj[field];
    if (!Array.isArray(v)) throw new RecordProblem(`the JSON object has no array field "${field}"`, 'schema', true);
    return v;
  }
  const arrays = Object.entries(obj).filter(([, v]) => Array.isArray(v));
  if (arrays.length !== 1) {
    throw new RecordProblem(
      `a JSON object file must hold exactly one array of records (found ${arrays.length}: ${arrays.map(([k]) => k).join(', ') || 'none'}); name it with jsonField`,
      'schema',
      true,
    );
  }
  return arrays[0][1] as unknown[];
}

/**
 * Peeks at the first non-space character, the first line, and whether anything follows it. Decoded leniently: this
 * only picks the reader, which then checks the bytes (a JSON Lines file with one non-UTF-8 line is still JSON Lines).
 */
async function peek(path: string, signal?: AbortSignal): Promise<{ first: string; firstLine: string; moreLines: boolean }> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const bytes of readBytes(path, signal)) {
    text += decoder.decode(bytes, { stream: true });
    const t = text.trimStart();
    const nl = t.indexOf('\n');
    if ((nl >= 0 && t.slice(nl).trim() !== '') || text.length > 1 << 20) break;
  }
  const trimmed = text.trimStart();
  const nl = trimmed.indexOf('\n');
  return { first: trimmed[0] ?? '', firstLine: nl >= 0 ? trimmed.slice(0, nl) : trimmed, moreLines: nl >= 0 && trimmed.slice(nl).trim() !== '' };
}

/** A one-line file holding {"...": [records]} is a container, not JSON Lines with one record. */
function looksLikeContainer(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  return Object.values(v).some((x) => Array.isArray(x) && x.length > 0 && x.every((e) => e && typeof e === 'object' && !Array.isArray(e)));
}

export function openJson(path: string, opts: ReaderOptions): OpenedFile {
  return {
    async *rows() {
      const { first, firstLine, moreLines } = await peek(path, opts.signal);
      if (first === '[') {
        yield* arrayRows(readText(path, opts.signal), opts);
        return;
      }
      if (first === '{') {
        let jsonl = false;
        try {
          const v = parseJson(firstLine);
          jsonl = moreLines || !looksLikeContainer(v);
        } catch {
          jsonl = false;
        }
        if (jsonl && !opts.jsonField) {
          yield* jsonlRows(path, opts);
          return;
        }
        const text = await readWhole(path, opts);
        let obj: Record<string, unknown>;
        try {
          obj = parseJson(text) as Record<string, unknown>;
        } catch (e) {
          throw new RecordProblem(`the JSON object is incomplete or malformed (${(e as Error).message})`, 'truncated', true);
        }
        let row = 0;
        for (const value of recordsOf(obj, opts.jsonField)) yield { row: row++, value };
        return;
      }
      if (first === '') return; // empty file: no records
      throw new RecordProblem('not JSON: expected "[" or "{" at the start', 'malformed', true);
    },
  };
}
