/** Stages 1-4 of the data flow: sample, self-eval, similarity, label (and what they share). */
export * from './label-math.js';
export * from './templates.js';
export * from './digit-scoring.js';
export * from './digit-mass.js';
export * from './common.js';
export * from './sample.js';
export * from './self-eval.js';
export * from './similarity.js';
export * from './label.js';
export * from './views.js';
export * from './backend-sampler.js';
export * from './embedder-similarity.js';
export * from './data.js';
export * from './recorded-sampler.js';
