/**
 * @selfj/core's public API: typed errors, the contracts (backend, embedder, data set, sampler, judge, similarity,
 * trainer), the config schema, the plugin registry and the pipeline. The layers behind them have their own entry
 * points, in data-flow order: `@selfj/core/infra` (what stages and servers share), `/stats`, `/collect`, `/stages`,
 * `/judge`, `/decide` and `/metrics` (see docs/architecture.md).
 */
export * from './errors.js';
export * from './contracts/index.js';
export * from './config/index.js';
export * from './plugins/index.js';
export * from './pipeline/index.js';
