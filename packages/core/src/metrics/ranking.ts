import { kendallTauB, spearman } from '../stats/correlation.js';
import { SelfjError } from '../errors.js';

/** Mean judge score per model, and how well that ranking agrees with a reference ranking (e.g. GPT-4's). */
export interface ModelRankingAgreement {
  models: string[];
  spearman: number;
  kendallTauB: number;
}

export function modelRankingAgreement(
  judgeMeans: Record<string, number>,
  referenceMeans: Record<string, number>,
): ModelRankingAgreement {
  const models = Object.keys(judgeMeans).filter((m) => m in referenceMeans).sort();
  if (models.length < 2) {
    throw new SelfjError('BAD_INPUT', `modelRankingAgreement: needs at least 2 models present in both, got ${models.length}.`);
  }
  const a = models.map((m) => judgeMeans[m]);
  const b = models.map((m) => referenceMeans[m]);
  return { models, spearman: spearman(a, b), kendallTauB: kendallTauB(a, b) };
}
