/** BAD_RECORD errors that always name the source, the file and the row. */
import { SelfjError } from '@selfj/core';

export interface Where {
  source: string;
  /** The file as the user knows it (repo path for Hub data, the given path for local files). */
  file: string;
  /** 0-based row within the file; null when the problem concerns the whole file. */
  row: number | null;
  /** 1-based line, for line-oriented formats. */
  line?: number;
}

/** A problem with one record or one file; `fatal` ones stop the file even in skip mode. */
export class RecordProblem extends Error {
  constructor(
    readonly reason: string,
    readonly kind: 'malformed' | 'schema' | 'missing-field' | 'truncated' | 'not-text' | 'too-large' | 'encoding',
    readonly fatal = false,
  ) {
    super(reason);
  }
}

export function whereText(w: Where): string {
  const row = w.row === null ? '' : `, row ${w.row}${w.line !== undefined ? ` (line ${w.line})` : ''}`;
  return `${w.source}: ${w.file}${row}`;
}

export function badRecord(w: Where, p: RecordProblem): SelfjError {
  const solutions: Record<RecordProblem['kind'], string[]> = {
    malformed: ['Fix or remove the line, or run with onBadRecord: "skip" (--on-bad-record skip) to write it to the rejects file.'],
    schema: ['Give an explicit field mapping for this source, or leave the file out with a file pattern.'],
    'missing-field': ['Check the mapping against the file\'s fields; mark optional fields with a trailing "?".', 'Or skip such records with onBadRecord: "skip".'],
    truncated: ['The file ends early (an interrupted download or copy?): fetch it again.', 'Or keep the complete part with onBadRecord: "skip".'],
    'not-text': ['Map a text field (e.g. a dotted path such as answers.text.0), or skip such records with onBadRecord: "skip".'],
    'too-large': ['Convert the file to JSONL (one record per line), or raise maxRecordBytes.'],
    encoding: [
      'Convert the file to UTF-8, e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv` (with the encoding it was written in).',
      'In JSON Lines such a line is one bad record: onBadRecord: "skip" (--on-bad-record skip) writes it to the rejects file.',
    ],
  };
  return new SelfjError('BAD_RECORD', `${whereText(w)}: ${p.reason}`, {
    solutions: solutions[p.kind],
    details: { ...w, reason: p.reason, kind: p.kind },
  });
}
