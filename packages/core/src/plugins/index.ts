export * from './backend-id.js';
export * from './registry.js';
