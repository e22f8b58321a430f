/** The contracts the product is built around; plugins supply any of them through the registry. */
export * from './backend.js';
export * from './records.js';
export * from './sampler.js';
export * from './judge.js';
export * from './similarity.js';
export * from './trainer.js';
