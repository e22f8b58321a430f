/**
 * CSV / TSV per RFC 4180: a header row, fields in double quotes may hold the delimiter, "" and line breaks; CRLF or
 * LF line ends. Streamed; a row with the wrong number of fields is a per-row problem, a quote left open at the end
 * of the file means the file ends early.
 */
import { RecordProblem } from '../errors.js';
import { readText } from '../open.js';
import { RAW_SNIPPET, type OpenedFile, type RawRow, type ReaderOptions } from './types.js';

export async function* csvRecords(chunks: AsyncIterable<string>, delimiter: string): AsyncGenerator<{ fields: string[]; line: number }> {
  const d = delimiter.charCodeAt(0);
  let fields: string[] = [];
  let field = '';
  let state: 'start' | 'plain' | 'quoted' | 'quote' = 'start';
  let line = 1;
  let recordLine = 1;
  let any = false; // the current record has content
  let lastWasCR = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10 && lastWasCR) {
        lastWasCR = false;
        continue; // the LF of a CRLF already ended the record
      }
      lastWasCR = false;
      if (state === 'quoted') {
        if (c === 34) state = 'quote';
        else {
          if (c === 10) line++;
          field += chunk[i];
        }
        continue;
      }
      if (state === 'quote') {
        if (c === 34) {
          field += '"'; // "" inside quotes
          state = 'quoted';
          continue;
        }
        state = 'plain'; // closing quote; what follows must be a delimiter or line end (else kept leniently)
      }
      if (c === d) {
        fields.push(field);
        field = '';
        state = 'start';
        any = true;
      } else if (c === 10 || c === 13) {
        lastWasCR = c === 13;
        if (any || field !== '' || state !== 'start') {
          fields.push(field);
          yield { fields, line: recordLine };
        }
        fields = [];
        field = '';
        state = 'start';
        any = false;
        line++;
        recordLine = line;
      } else if (c === 34 && state === 'start') {
        state = 'quoted';
        any = true;
      } else {
        field += chunk[i];
        state = 'plain';
        any = true;
      }
    }
  }
  if (state === 'quoted') throw new RecordProblem(`the file ends early: a quoted field opened on line ${recordLine} is never closed`, 'truncated', true);
  if (any || field !== '') {
    fields.push(field);
    yield { fields, line: recordLine };
  }
}

export function openCsv(path: string, opts: ReaderOptions, defaultDelimiter = ','): OpenedFile {
  const delimiter = opts.csv?.delimiter ?? defaultDelimiter;
  return {
    async *rows(): AsyncGenerator<RawRow> {
      let header: string[] | undefined;
      let row = 0;
      for await (const rec of csvRecords(readText(path, opts.signal), delimiter)) {
        if (!header) {
          header = rec.fields.map((h) => h.trim());
          continue;
        }
        if (rec.fields.length !== header.length) {
          yield {
            row: row++,
            line: rec.line,
            problem: new RecordProblem(`${rec.fields.length} fields where the header has ${header.length}`, 'malformed'),
            raw: rec.fields.join(delimiter).slice(0, RAW_SNIPPET),
          };
          continue;
        }
        const value: Record<string, string> = {};
        for (let k = 0; k < header.length; k++) value[header[k]] = rec.fields[k];
        yield { row: row++, line: rec.line, value };
      }
    },
  };
}
