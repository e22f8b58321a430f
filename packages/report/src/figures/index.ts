/**
 * The figures a report shows, in order. A figure is `{id, title, guide, build(data) -> Vega-Lite spec | null}`
 * (plus an optional caption and table): extend a report by passing `[...figures, yours]` to buildReport.
 */
import { categoriesFigure, rankingFigure } from './categories-ranking.js';
import { digitMassFigure } from './digit-mass.js';
import { histogramFigure, reliabilityFigure } from './distributions.js';
import { riskCoverageExternalFigure, scatterExternalFigure } from './external.js';
import {
  metaEvalBonFigure,
  metaEvalOtherFigure,
  metaEvalPairwiseFigure,
  metaEvalPointwiseFigure,
  metaEvalRankingFigure,
  metaEvalTableFigure,
} from './meta-eval.js';
import { riskCoverageFigure } from './risk-coverage.js';
import { scatterFigure, trainingFigure } from './scatter-training.js';
import { calibrationFigure, examplesFigure, pipelineFigure, summaryFigure } from './tables.js';
import type { Figure } from './types.js';

export const figures: readonly Figure[] = Object.freeze([
  summaryFigure,
  riskCoverageFigure,
  riskCoverageExternalFigure,
  reliabilityFigure,
  histogramFigure,
  scatterFigure,
  scatterExternalFigure,
  trainingFigure,
  digitMassFigure,
  categoriesFigure,
  rankingFigure,
  metaEvalPointwiseFigure,
  metaEvalPairwiseFigure,
  metaEvalRankingFigure,
  metaEvalBonFigure,
  metaEvalOtherFigure,
  metaEvalTableFigure,
  calibrationFigure,
  examplesFigure,
  pipelineFigure,
]);

export {
  calibrationFigure,
  categoriesFigure,
  digitMassFigure,
  examplesFigure,
  histogramFigure,
  metaEvalBonFigure,
  metaEvalOtherFigure,
  metaEvalPairwiseFigure,
  metaEvalPointwiseFigure,
  metaEvalRankingFigure,
  metaEvalTableFigure,
  pipelineFigure,
  rankingFigure,
  reliabilityFigure,
  riskCoverageExternalFigure,
  riskCoverageFigure,
  scatterExternalFigure,
  scatterFigure,
  summaryFigure,
  trainingFigure,
};
export type { Cell, Figure, Table } from './types.js';
export { riskCoverageSeries, tauPoints, guaranteeSentence, RANDOM, ORACLE } from './risk-coverage.js';
export { reliabilityRows, histogramRows } from './distributions.js';
export { digitMassRows, flagged } from './digit-mass.js';
export { againstExternal } from './external.js';
export { metaEvalBars, publishedSources, META_EVAL_KINDS, type MetaEvalBar } from './meta-eval.js';
export { thinCurve, sampleIndices, binCounts, CURVE_MAX_POINTS, SCATTER_MAX_POINTS } from './common.js';
