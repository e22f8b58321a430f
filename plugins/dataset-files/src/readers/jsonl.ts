/** JSON Lines: one JSON value per line, streamed; a bad line is a per-row problem, not the end of the file. */
import { parseJson } from './parse.js';
import { RecordProblem } from '../errors.js';
import { readText } from '../open.js';
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

export async function* jsonlRows(path: string, opts: ReaderOptions): AsyncGenerator<RawRow> {
  let pending = '';
  let skipping = false; // inside an over-long line: drop text until its end
  let line = 0;
  let row = 0;
  for await (const chunk of readText(path, opts.signal)) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const piece = chunk.slice(start, nl);
      start = nl + 1;
      line++;
      if (skipping) {
        skipping = false;
        pending = '';
        continue;
      }
      const text = pending ? pending + piece : piece;
      pending = '';
      if (text.trim() === '') continue;
      yield parseLine(text, row++, line, false);
    }
    if (!skipping) pending += chunk.slice(start);
    if (pending.length > opts.maxRecordBytes) {
      yield { row: row++, line: line + 1, problem: new RecordProblem(`a line longer than ${opts.maxRecordBytes} characters`, 'too-large'), raw: pending.slice(0, RAW_SNIPPET) };
      pending = '';
      skipping = true;
    }
  }
  if (!skipping && pending.trim() !== '') yield parseLine(pending, row, line + 1, true);
}

export function openJsonl(path: string, opts: ReaderOptions): OpenedFile {
  return { rows: () => jsonlRows(path, opts) };
}
