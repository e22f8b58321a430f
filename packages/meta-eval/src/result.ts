/**
 * The JSON a meta-evaluation writes (`selfj meta-eval --json`, `--out`): what a report figure reads. Stable field
 * names; metrics are numbers in [0, 1] for rates and [-1, 1] for correlations, null where undefined.
 */
import type { PublishedNumber, ProtocolName, SetKind } from './sets/types.js';

export const RESULT_FORMAT = 'selfj.meta-eval/v1';

export interface SetSummary {
  name: string;
  title: string;
  kind: SetKind;
  protocol: ProtocolName;
  /** The metric the table leads with for this set. */
  primary: string;
  tieRule: string;
  paper: string;
  /** Where each part was read from (local path or repo@revision/path). */
  files: Record<string, string[]>;
  /** Items (pointwise), pairs, output rows (ranking) or instructions (best-of-N) evaluated. */
  items: number;
  /** Rows left out while loading, with the first reasons. */
  skipped: number;
  reasons: string[];
  notes: string[];
  published: PublishedNumber[];
  /** Set when the set could not be loaded at all (the run goes on with the others). */
  error?: string;
}

export interface ResultRow {
  set: string;
  /** The judge id as given on the command line. */
  judge: string;
  /** The judge's own id (e.g. zero-shot:llama-cpp:/m.gguf). */
  judgeId?: string;
  usesReference?: boolean;
  status: 'ok' | 'skipped' | 'failed';
  /** Why a row is skipped or failed. */
  reason?: string;
  /** Items the metrics are computed on. */
  n: number;
  /** Items the judge rejected one by one (left out of the metrics). */
  rejected: number;
  firstRejection?: string;
  metrics: Record<string, number | null>;
  seconds: number;
}

export interface MetaEvalResult {
  format: typeof RESULT_FORMAT;
  createdAt: string;
  sets: SetSummary[];
  rows: ResultRow[];
}
