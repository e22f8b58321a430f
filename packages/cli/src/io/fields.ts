import { SelfjError } from '@selfj/core';
import { readJsonl, where } from '@selfj/core/infra';

/** Reads a dotted path such as "judge.score" or "instances.0.output" from a parsed JSON record. */
export function getPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * The JSON objects of a JSONL file (plain or .gz) with their 1-based line numbers. A line that is not a JSON
 * object is a typed error naming file:line, or, with onBadRecord "skip", is counted in `skipped.lines` and passed over.
 */
export async function* readJsonlRecords(
  file: string,
  onBadRecord: 'fail' | 'skip' = 'fail',
  skipped: { lines: number } = { lines: 0 },
): AsyncGenerator<{ line: number; record: Record<string, unknown> }> {
  for await (const l of readJsonl(file)) {
    if (l.error !== undefined || !l.value) {
      if (onBadRecord === 'skip') {
        skipped.lines++;
        continue;
      }
      throw new SelfjError('BAD_RECORD', `${where(l)}: ${l.error ?? 'no record'}.`, { solutions: ['Fix the line', 'Or pass --on-bad-record skip to pass over bad lines'] });
    }
    yield { line: l.line, record: l.value };
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
