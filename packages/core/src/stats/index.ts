/** Pure statistics with no knowledge of Self-J: correlations, ranks, binomial tails. */
export { pearson, spearman, kendallTauB } from './correlation.js';
export { pearsonInterval, Z_975 } from './correlation-interval.js';
export { averageRanks } from './ranks.js';
export { binomialCdf, clopperPearsonUpper, logGamma } from './binomial.js';
