/** @selfj/backend-llama-cpp: GGUF models in-process via node-llama-cpp (the embedded default backend). */
import type { Plugin } from '@selfj/core';
import { LlamaCppBackend, type LlamaCppBackendOptions } from './backend.js';
import { resolveModel, type ResolveModelOptions } from './resolve-model.js';

export { LlamaCppBackend, DEFAULT_SEQUENCES, DEFAULT_THREADS, type LlamaCppBackendOptions } from './backend.js';
export { checkGgufFile, llamaRuntime, type GpuOption, type LoadOptions } from './load.js';
export {
  DEFAULT_MODEL,
  TEST_MODEL,
  parseHfModelRef,
  resolveModel,
  type HubFileRef,
  type ResolveModelOptions,
  type ResolvedModel,
} from './resolve-model.js';
export { SequencePool, mapConcurrent } from './sequence-pool.js';

/** `llama-cpp:<path | hf:owner/repo/file.gguf>`; an empty spec picks the default model (see resolveModel). */
export async function createLlamaCppBackend(spec: string, options: LlamaCppBackendOptions & ResolveModelOptions = {}): Promise<LlamaCppBackend> {
  const { path } = await resolveModel(spec === 'default' ? undefined : spec, options);
  return LlamaCppBackend.load(path, options);
}

export const plugin: Plugin = {
  name: '@selfj/backend-llama-cpp',
  backends: {
    // The context's signal cancels a download; its notices (offline fallbacks, download lines) reach the user.
    'llama-cpp': (spec, options, ctx) =>
      createLlamaCppBackend(spec, { signal: ctx?.signal, onNotice: ctx?.notice, ...(options as LlamaCppBackendOptions & ResolveModelOptions) }),
  },
};

export default plugin;
export { pullModel, type PullOptions, type PullResult } from './pull.js';
