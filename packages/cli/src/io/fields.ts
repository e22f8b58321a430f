import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { SelfjError } from '@selfj/core';

/** Reads a dotted path such as "judge.score" or "instances.0.output" from a parsed JSON record. */
export function getPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Streams the JSON objects of a JSONL file (plain or .gz) with their 1-based line numbers; blank lines skipped. */
export async function* readJsonlRecords(file: string): AsyncGenerator<{ line: number; record: Record<string, unknown> }> {
  const raw = createReadStream(file);
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const opened = new Promise<void>((resolve, reject) => {
    raw.once('open', () => resolve());
    raw.once('error', reject);
  });
  await opened.catch((e: NodeJS.ErrnoException) => {
    throw new SelfjError('NOT_FOUND', `Cannot read ${file}: ${e.code ?? e.message}.`, {
      solutions: ['Check the path; relative paths are resolved from the current directory.'],
    });
  });
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (e) {
      throw new SelfjError('BAD_RECORD', `${file}:${line}: not valid JSON (${(e as Error).message}).`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      throw new SelfjError('BAD_RECORD', `${file}:${line}: expected a JSON object per line.`);
    }
    yield { line, record: record as Record<string, unknown> };
  }
}

/** A numeric field of a record, or a typed error naming file, line and field. Numeric strings are accepted. */
export function numberField(record: Record<string, unknown>, field: string, where: string): number {
  const v = getPath(record, field);
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new SelfjError('BAD_RECORD', `${where}: field "${field}" is ${JSON.stringify(v) ?? 'missing'}, not a number.`, {
      solutions: [`Name the right field with the matching --*-field flag, or pass --on-bad-record skip.`],
    });
  }
  return n;
}
