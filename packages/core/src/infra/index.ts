/** Infrastructure every stage shares: JSONL, atomic writes, the append log, manifests, progress, logs, limits. */
export * from './kernels.js';
export * from './hash.js';
export * from './jsonl.js';
export * from './atomic.js';
export * from './append-log.js';
export * from './manifest.js';
export * from './ci.js';
export * from './progress.js';
export * from './logger.js';
export * from './limiter.js';
export * from './redact.js';
export * from './stage-runner.js';
export * from './lock.js';
export * from './shard.js';
export * from './artifact-state.js';
export * from './stage-merge.js';
export * from './shard-workers.js';
