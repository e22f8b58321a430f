/**
 * JSON Lines: one JSON value per line, streamed; a bad line is a per-row problem, not the end of the file. Lines are
 * split as bytes and each is checked as UTF-8 before it is decoded, so one line in another encoding is one bad row.
 */
import { parseJson } from './parse.js';
import { RecordProblem } from '../errors.js';
import { readBytes } from '../open.js';
import { completeUtf8Length, hexByte, invalidUtf8At } from '../utf8.js';
import { RAW_SNIPPET, type OpenedFile, type RawRow, type ReaderOptions } from './types.js';

function parseLine(text: string, row: number, line: number, last: boolean): RawRow {
  try {
    return { row, line, value: parseJson(text) };
  } catch (e) {
    const problem = last
      ? new RecordProblem(`the file ends early: the last line is incomplete JSON (${(e as Error).message})`, 'truncated')
      : new RecordProblem(`malformed JSON (${(e as Error).message})`, 'malformed');
    return { row, line, problem, raw: text.slice(0, RAW_SNIPPET) };
  }
}

const isBom = (b: Buffer): boolean => b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;

/** One line's bytes as a row; undefined for a blank line. */
function lineRow(bytes: Buffer, row: number, line: number, last: boolean): RawRow | undefined {
  const bom = line === 1 && isBom(bytes) ? 3 : 0;
  const b = bytes.subarray(bom);
  const at = invalidUtf8At(b);
  if (at >= 0) {
    if (last && at >= completeUtf8Length(b)) {
      return { row, line, problem: new RecordProblem('the file ends early: the last line stops inside a UTF-8 character', 'truncated') };
    }
    return { row, line, problem: new RecordProblem(`invalid UTF-8 (byte ${hexByte(b[at])} at byte ${bom + at + 1} of the line)`, 'encoding') };
  }
  const text = b.toString('utf8');
  return text.trim() === '' ? undefined : parseLine(text, row, line, last);
}

/** The start of an over-long line as text, when those bytes are valid UTF-8 (for the rejects file). */
function snippet(parts: Buffer[]): string | undefined {
  const head = parts[0].subarray(0, RAW_SNIPPET * 4);
  const n = completeUtf8Length(head);
  return invalidUtf8At(head.subarray(0, n)) < 0 ? head.toString('utf8', 0, n).slice(0, RAW_SNIPPET) : undefined;
}

export async function* jsonlRows(path: string, opts: ReaderOptions): AsyncGenerator<RawRow> {
  let pending: Buffer[] = []; // pieces of a line that spans chunks
  let pendingBytes = 0;
  let skipping = false; // inside an over-long line: drop bytes until its end
  let line = 0;
  let row = 0;
  for await (const chunk of readBytes(path, opts.signal)) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      line++;
      if (skipping) {
        skipping = false;
        pending = [];
        pendingBytes = 0;
        continue;
      }
      const bytes = pendingBytes ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      pendingBytes = 0;
      const r = lineRow(bytes, row, line, false);
      if (r) {
        row++;
        yield r;
      }
    }
    if (!skipping && start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
    }
    if (pendingBytes > opts.maxRecordBytes) {
      const raw = snippet(pending);
      yield { row: row++, line: line + 1, problem: new RecordProblem(`a line longer than ${opts.maxRecordBytes} bytes`, 'too-large'), ...(raw !== undefined ? { raw } : {}) };
      pending = [];
      pendingBytes = 0;
      skipping = true;
    }
  }
  if (!skipping && pendingBytes) {
    const r = lineRow(Buffer.concat(pending, pendingBytes), row, line + 1, true);
    if (r) yield r;
  }
}

export function openJsonl(path: string, opts: ReaderOptions): OpenedFile {
  return { rows: () => jsonlRows(path, opts) };
}
