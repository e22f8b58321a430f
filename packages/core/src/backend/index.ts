export * from './digit-scoring.js';
export * from './backend-id.js';
export * from './registry.js';
