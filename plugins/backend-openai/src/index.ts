/** @selfj/backend-openai: a ModelBackend over any OpenAI-compatible server, and `selfj serve` (startOpenAIServer). */
import type { Embedder, Plugin, PluginContext } from '@selfj/core';
import { OpenAIBackend, createOpenAIBackend } from './backend.js';
import { createOpenAIEmbedder } from './embedder.js';

export { OpenAIBackend, createOpenAIBackend } from './backend.js';
export type { OpenAIBackendOptions } from './options.js';
export { createOpenAIEmbedder, type OpenAIEmbedderOptions } from './embedder.js';
export { parseOpenAISpec } from './options.js';
export { flavourTraits, detectFlavour, type ServerFlavour, type FlavourTraits } from './flavour.js';
export { mapCandidates, normaliseToken, type Alternative } from './logprobs.js';
export { HttpTransport, type TransportOptions } from './transport.js';
export { redact } from '@selfj/core/infra';
export { startOpenAIServer, type OpenAIServer, type OpenAIServerOptions } from './serve/server.js';
export { tokenAccessOf, type TokenAccess } from './serve/token-access.js';

/** The selfj plugin: backend and embedder scheme "openai". Waiting for an unreachable server is a notice to the user. */
const plugin = {
  name: '@selfj/backend-openai',
  backends: {
    openai: (spec: string, options: Record<string, unknown>, ctx?: PluginContext): Promise<OpenAIBackend> =>
      createOpenAIBackend(spec, { onNotice: ctx?.notice, ...options }, ctx?.signal),
  },
  embedders: {
    openai: (spec: string, options: Record<string, unknown>, ctx?: PluginContext): Promise<Embedder> =>
      createOpenAIEmbedder(spec, { onNotice: ctx?.notice, ...options }),
  },
} satisfies Plugin;
export default plugin;
