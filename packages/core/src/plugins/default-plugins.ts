/**
 * The plugins every selfj command knows without a config: data, not code. Each entry names a package and the
 * schemes it provides, so the registry can load only the package an id needs, and tell a user which package to
 * install for a scheme it cannot find. A test checks that each package really provides what is listed here.
 */
import type { PluginKind } from './plugin.js';

export interface KnownPlugin {
  package: string;
  provides: Partial<Record<PluginKind, string[]>>;
  /** One line for `selfj plugins`. */
  description: string;
}

export const DEFAULT_PLUGINS: readonly KnownPlugin[] = Object.freeze([
  {
    package: '@selfj/backend-llama-cpp',
    provides: { backends: ['llama-cpp'] },
    description: 'GGUF models in-process through llama.cpp (the embedded default)',
  },
  {
    package: '@selfj/backend-openai',
    provides: { backends: ['openai'], embedders: ['openai'] },
    description: 'any OpenAI-compatible server: vLLM, llama.cpp server, Ollama, TGI, OpenAI, selfj serve',
  },
  { package: '@selfj/embed-static', provides: { embedders: ['static'] }, description: 'sentence vectors from static word vectors (no model)' },
  { package: '@selfj/dataset-files', provides: { datasets: ['file'] }, description: 'local JSONL / JSON / CSV / Parquet files and globs (+ .gz)' },
  { package: '@selfj/dataset-hf', provides: { datasets: ['hf'] }, description: 'Hugging Face Hub data sets (hf://datasets/owner/name@revision)' },
  {
    package: '@selfj/meta-eval',
    provides: { judges: ['length', 'similarity', 'perplexity', 'scores', 'self-eval-ref'] },
    description: 'no-model baseline judges (length, similarity, perplexity, recorded scores) and meta-evaluation sets',
  },
]);

/** The ids a command uses when neither a flag nor the config names one. */
export const DEFAULT_IDS = Object.freeze({
  /** The default policy: llama.cpp with the default instruct model (downloaded once into the Hub cache). */
  backend: 'llama-cpp:default',
  /** The default embedder: static word vectors (found or built by the plugin). */
  embedder: 'static:default',
  sampler: 'backend',
  similarity: 'embedder',
  trainer: 'head',
});
