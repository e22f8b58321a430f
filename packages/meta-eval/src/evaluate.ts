/** One judge on one loaded set: score its items and compute the set's protocol metrics. */
import type { Judge, JudgeItem } from '@selfj/core';
import { bonMetrics, correlationMetrics, pairwiseMetrics, rankingMetrics, type Metrics } from './protocols/protocols.js';
import { scoreItems, type ScoreOptions } from './score-items.js';
import type { LoadedSet } from './sets/load-set.js';

export interface Evaluation {
  n: number;
  rejected: number;
  firstRejection?: string;
  metrics: Metrics;
}

/** The judge items of a set, in the order evaluate() scores them. */
export function setItems(set: LoadedSet): JudgeItem[] {
  const d = set.data;
  switch (d.kind) {
    case 'pointwise':
      return d.items.map((g) => g.item);
    case 'pairwise':
      return [...d.pairs.map((p) => p.a), ...d.pairs.map((p) => p.b)];
    case 'ranking':
      return d.outputs.map((o) => o.item);
    case 'bon':
      return d.groups.flatMap((g) => g.candidates.map((c) => c.item));
  }
}

export async function evaluate(set: LoadedSet, judge: Judge, o: ScoreOptions): Promise<Evaluation> {
  const d = set.data;
  const s = await scoreItems(judge, setItems(set), o);
  const base = { rejected: s.rejected, firstRejection: s.firstRejection };
  const ok = (x: number) => Number.isFinite(x);
  switch (d.kind) {
    case 'pointwise': {
      const keep = d.items.map((_, i) => i).filter((i) => ok(s.scores[i]));
      const metrics = correlationMetrics(Float64Array.from(keep, (i) => s.scores[i]), Float64Array.from(keep, (i) => d.items[i].grade));
      return { ...base, n: keep.length, metrics };
    }
    case 'pairwise': {
      const n = d.pairs.length;
      const keep = d.pairs.map((_, i) => i).filter((i) => ok(s.scores[i]) && ok(s.scores[n + i]));
      const a = Float64Array.from(keep, (i) => s.scores[i]);
      const b = Float64Array.from(keep, (i) => s.scores[n + i]);
      return { ...base, n: keep.length, metrics: pairwiseMetrics(set.spec.protocol, a, b, keep.map((i) => d.pairs[i].label)) };
    }
    case 'ranking': {
      const r = rankingMetrics(d.outputs.map((x) => x.model), s.scores, d.leaderboard);
      return { ...base, n: d.outputs.length - s.rejected, metrics: r };
    }
    case 'bon': {
      const groups: { scores: number[]; grades: number[] }[] = [];
      let k = 0;
      for (const g of d.groups) {
        const scores = g.candidates.map((_, j) => s.scores[k + j]);
        k += g.candidates.length;
        if (scores.every(ok)) groups.push({ scores, grades: g.candidates.map((c) => c.grade) });
      }
      return { ...base, n: groups.length, metrics: bonMetrics(groups) };
    }
  }
}
