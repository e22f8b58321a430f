/**
 * Running one judge over a set's items: each distinct (instruction, response, reference) is scored once (sets such
 * as MT-bench's human votes repeat the same pair), in batches, with Ctrl-C honoured between batches. An item the
 * judge rejects alone gets NaN and is counted; a fault of the judge itself propagates.
 */
import { throwIfAborted, type Judge, type JudgeItem } from '@selfj/core';

export interface ScoredItems {
  /** One score per input item, NaN where the judge rejected it. */
  scores: Float64Array;
  rejected: number;
  firstRejection?: string;
}

export interface ScoreOptions {
  batchSize: number;
  signal?: AbortSignal;
  /** Called after each batch with the number of distinct items scored so far and their total. */
  onBatch?: (done: number, total: number) => void;
}

const keyOf = (it: JudgeItem, withRef: boolean) => `${it.instruction}\u0000${it.response}\u0000${withRef ? (it.reference ?? '') : ''}`;

export async function scoreItems(judge: Judge, items: JudgeItem[], o: ScoreOptions): Promise<ScoredItems> {
  const index = new Map<string, number>();
  const unique: JudgeItem[] = [];
  const slot = new Int32Array(items.length);
  items.forEach((it, i) => {
    const k = keyOf(it, judge.usesReference);
    let u = index.get(k);
    if (u === undefined) {
      u = unique.length;
      index.set(k, u);
      // reference-free judges never see the reference (they must not use it)
      unique.push(judge.usesReference ? it : { instruction: it.instruction, response: it.response });
    }
    slot[i] = u;
  });
  const uniqueScores = new Float64Array(unique.length).fill(NaN);
  let firstRejection: string | undefined;
  for (let start = 0; start < unique.length; start += o.batchSize) {
    throwIfAborted(o.signal);
    const batch = unique.slice(start, start + o.batchSize);
    const out = await judge.score(batch, { signal: o.signal });
    out.forEach((r, k) => {
      if (r instanceof Error) firstRejection ??= r.message;
      else uniqueScores[start + k] = r.score;
    });
    o.onBatch?.(Math.min(start + o.batchSize, unique.length), unique.length);
  }
  const scores = new Float64Array(items.length);
  let rejected = 0;
  for (let i = 0; i < items.length; i++) {
    scores[i] = uniqueScores[slot[i]];
    if (!Number.isFinite(scores[i])) rejected++;
  }
  return { scores, rejected, firstRejection };
}
