export * from './errors.js';
export * from './backend.js';
export * from './records.js';
export * from './metrics/index.js';
export * from './calibrate/index.js';
export * from './backend/index.js';
export * from './engine/index.js';
export * from './collect/index.js';
