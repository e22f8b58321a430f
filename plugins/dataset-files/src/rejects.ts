/** Where skipped records go: a callback, or a JSONL file appended one reject at a time (nothing lost on a crash). */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface Reject {
  source: string;
  file: string;
  /** null when the whole (rest of the) file was rejected. */
  row: number | null;
  line?: number;
  kind: string;
  reason: string;
  /** Start of the raw text of the bad record, when there is one. */
  raw?: string;
}

export type RejectSink = (r: Reject) => void | Promise<void>;

export function rejectsFile(path: string): RejectSink {
  let ready: Promise<unknown> | undefined;
  return async (r) => {
    ready ??= mkdir(dirname(path), { recursive: true });
    await ready;
    await appendFile(path, `${JSON.stringify(r)}\n`);
  };
}
