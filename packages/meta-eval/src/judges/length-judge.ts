/**
 * The length baseline: a longer response scores higher. Judges (LLMs and humans alike) are known to prefer longer
 * answers, so every meta-evaluation should show how far length alone gets.
 */
import type { Judge, JudgeItem, JudgeScore } from '@selfj/core';
import { SelfjError } from '@selfj/core';

export type LengthUnit = 'chars' | 'words';

const WORD = /\S+/g;

export class LengthJudge implements Judge {
  readonly id: string;
  readonly scale = { min: 0, max: Number.POSITIVE_INFINITY };
  readonly usesReference = false;

  constructor(readonly unit: LengthUnit = 'chars') {
    if (unit !== 'chars' && unit !== 'words') {
      throw new SelfjError('BAD_CONFIG', `Unknown length unit "${String(unit)}".`, { solutions: ['Use the judge id "length" (characters) or "length:words".'] });
    }
    this.id = unit === 'chars' ? 'length' : `length:${unit}`;
  }

  async fingerprint(): Promise<Record<string, unknown>> {
    return { judge: 'length', unit: this.unit };
  }

  async score(items: JudgeItem[]): Promise<JudgeScore[]> {
    // UTF-16 code units for "chars": exact enough for a ranking signal and O(1) per item.
    if (this.unit === 'chars') return items.map((it) => ({ score: it.response.length }));
    return items.map((it) => ({ score: it.response.match(WORD)?.length ?? 0 }));
  }
}
