export * from './run.js';
export * from './assess.js';
