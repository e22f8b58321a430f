export { riskCoverageCurve, aurc, selectiveRiskAtCoverage, auroc } from './selective.js';
export type { RiskCoveragePoint } from './selective.js';
export { pairwiseAgreement, winRate } from './pairwise.js';
export type { PairwiseAgreement, Preference } from './pairwise.js';
export { modelRankingAgreement } from './ranking.js';
export type { ModelRankingAgreement } from './ranking.js';
export { evaluateScores } from './report.js';
export type { EvaluationReport, EvaluateOptions } from './report.js';
