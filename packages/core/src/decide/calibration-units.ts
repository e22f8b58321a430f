/**
 * Independent calibration draws from clustered data. Samples of one instruction share the instruction (and often
 * most of the answer), so they are not independent draws, and a binomial test over all of them is too optimistic.
 * Keeping one item per cluster restores independence across clusters; which one is chosen by a seeded hash of the
 * cluster and the item's position in it, so the choice never looks at scores or labels.
 */
import { sha256 } from '../infra/hash.js';

/** Indices (ascending) of one item per group: the one whose hash of (seed, group, position in group) is smallest. */
export function oneItemPerGroup(groups: ArrayLike<string>, seed = 0): number[] {
  const best = new Map<string, { index: number; h: string }>();
  const seen = new Map<string, number>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i];
    const k = seen.get(g) ?? 0;
    seen.set(g, k + 1);
    const h = sha256(`calibrate:${seed}:${g}:${k}`);
    const b = best.get(g);
    if (!b || h < b.h) best.set(g, { index: i, h });
  }
  return [...best.values()].map((b) => b.index).sort((a, b) => a - b);
}
