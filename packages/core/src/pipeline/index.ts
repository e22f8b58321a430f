export * from './run.js';
export * from './assess.js';
export * from './deps.js';
export * from './builtin-plugin.js';
export * from './stage-jobs.js';
