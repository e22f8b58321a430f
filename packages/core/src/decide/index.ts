/** Decisions from judge scores: the calibrated threshold, selective answering, best-of-N. */
export { calibrateThreshold, defaultScoreGrid } from './threshold.js';
export type { CalibrateOptions, CalibrationProcedure, CalibrationResult, ThresholdCandidate } from './threshold.js';
export { oneItemPerGroup } from './calibration-units.js';
export * from './select.js';
export * from './rerank.js';
