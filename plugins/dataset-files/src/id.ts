/** Stable record ids: the same source, revision, file and row always give the same id, so reruns and resumes line up. */
import { createHash, type Hash } from 'node:crypto';

export function stableId(source: string, revision: string, file: string, row: number): string {
  return createHash('sha256').update(`${source}\0${revision}\0${file}\0${row}`).digest('hex').slice(0, 24);
}

/** The same ids, faster for many rows of one file: the hash of the common prefix is computed once. */
export function idMaker(source: string, revision: string, file: string): (row: number) => string {
  const prefix: Hash = createHash('sha256').update(`${source}\0${revision}\0${file}\0`);
  return (row) => prefix.copy().update(String(row)).digest('hex').slice(0, 24);
}
