export { binomialCdf, clopperPearsonUpper, logGamma } from './binomial.js';
export { calibrateThreshold, defaultScoreGrid } from './threshold.js';
export type { CalibrateOptions, CalibrationResult, ThresholdCandidate } from './threshold.js';
