/** Decisions from judge scores: the calibrated threshold, selective answering, best-of-N. */
export { calibrateThreshold, defaultScoreGrid } from './threshold.js';
export type { CalibrateOptions, CalibrationResult, ThresholdCandidate } from './threshold.js';
export * from './select.js';
export * from './rerank.js';
