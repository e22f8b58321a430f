/**
 * @selfj/testkit: the conformance suites a selfj plugin passes, for vitest. Call a `run*Conformance` function at
 * the top level of a test file; each registers one describe block. Checks of a capability the component does not
 * claim are reported as skipped with the reason, never passed silently.
 */
export { runBackendConformance } from './backend/suite.js';
export type { ConformanceOptions, ConformanceOptions as BackendConformanceOptions, BackendClaims } from './backend/options.js';
export { MIN_ABORTABLE_MS } from './backend/robustness-checks.js';
export { runEmbedderConformance, type EmbedderConformanceOptions } from './embedder.js';
export { runDatasetConformance, type DatasetConformanceOptions } from './dataset.js';
export { runJudgeConformance, type JudgeConformanceOptions } from './judge.js';
export { runSamplerConformance, type SamplerConformanceOptions } from './sampler.js';
export { runSimilarityConformance, type SimilarityConformanceOptions } from './similarity.js';
export { runPluginConformance, type PluginConformanceOptions } from './plugin.js';
export { DEFAULT_CONFORMANCE_PROMPTS, DEFAULT_EMBEDDER_TEXTS, DEFAULT_ITEMS } from './prompts.js';
export { expectSelfjError, selfjCode, skipUnless, thrown } from './checks.js';
export { garbageCollector, measureRetained } from './memory.js';
