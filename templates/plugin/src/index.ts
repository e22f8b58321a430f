/**
 * The plugin: what `selfj` loads when a config lists this package in "plugins". Rename the package, the plugin
 * name and the scheme ("example") together; users then write backend ids "<scheme>:<spec>".
 */
import { definePlugin } from '@selfj/core';
import { ExampleBackend, type ExampleBackendOptions } from './backend.js';

export { ExampleBackend, type ExampleBackendOptions } from './backend.js';
export { BigramModel, BUILTIN_CORPUS } from './model.js';

export const plugin = definePlugin({
  name: 'selfj-plugin-example',
  backends: {
    // "example:builtin" or "example:/path/to/corpus.txt"; options come from the config's "backend.options"
    example: (spec, options) => ExampleBackend.open(spec, options as ExampleBackendOptions),
  },
});

export default plugin;
