export * from './plugin.js';
export * from './backend-id.js';
export * from './default-plugins.js';
export * from './registry.js';
