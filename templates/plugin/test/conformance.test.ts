/**
 * The shared selfj conformance suites on this plugin (from @selfj/testkit). Checks of capabilities the backend
 * does not claim (features, embeddings, top-k) are reported as skipped, each with its reason.
 */
import { runBackendConformance, runPluginConformance } from '@selfj/testkit';
import plugin, { ExampleBackend } from '../src/index.js';

// The plugin object as selfj loads it: its shape, and that a registry creates "example:builtin" through it.
runPluginConformance(plugin, { create: { backends: ['example:builtin'] } });

// The backend: options state what it is tested for, and the suite also checks that capabilities() agrees.
runBackendConformance('example (bigram model, built-in corpus)', () => ExampleBackend.open('builtin'), {
  logprobs: 'full',
  features: false,
  embeddings: false,
});
