/** Options of the OpenAI backend and the `openai:<base url>[,<base url>...]#<model>[;key=value...]` spec. */
import { SelfjError } from '@selfj/core';
import type { FlavourOptions, ServerFlavour } from './flavour.js';
import type { TransportOptions } from './transport.js';

export interface OpenAIBackendOptions extends Omit<TransportOptions, 'baseURLs' | 'apiKey'>, FlavourOptions {
  /** One server... */
  baseURL?: string;
  /** ...or a pool of them (round-robin with failover). */
  baseURLs?: string[];
  model: string;
  /** The key itself (prefer the environment: see apiKeyEnv). */
  apiKey?: string;
  /** Environment variable holding the key (default OPENAI_API_KEY). */
  apiKeyEnv?: string;
  /** Endpoint for every prompt; default: chat for messages, the flavour's choice for strings. */
  endpoint?: 'chat' | 'completions';
  /** Server kind; 'auto' (default) asks /v1/models. */
  flavour?: ServerFlavour | 'auto';
  /** Model for /v1/embeddings (default: `model`). */
  embeddingModel?: string;
  /** See MapOptions.mergeSpaceVariants. */
  mergeSpaceVariants?: boolean;
  contextSize?: number;
  /**
   * With a `selfj serve` server: read candidate probabilities through its exact batch extension
   * (POST /v1/selfj/next-token-probabilities) instead of OpenAI logprobs (default true).
   */
  selfjExtension?: boolean;
  /** Prompts per extension request (default 64, at most the server's limit). */
  selfjBatch?: number;
  /**
   * Prompts per /v1/completions request when scoring string prompts on servers that take a list of prompts
   * (vLLM, selfj serve without the extension; default 16). 1 sends one request per prompt.
   */
  promptBatch?: number;
  /** Environment to read the key from (tests). */
  env?: Record<string, string | undefined>;
}

const FLAVOURS = new Set(['auto', 'openai', 'vllm', 'llama.cpp', 'ollama', 'tgi', 'selfj']);
const NUMERIC = new Set(['maxLogprobs', 'nProbs', 'concurrency', 'maxRetries', 'timeoutMs', 'contextSize', 'connectRetryMs', 'promptBatch', 'selfjBatch']);

/** Parses the part after "openai:"; key=value pairs after ";" set options (flavour, endpoint, numbers). */
export function parseOpenAISpec(spec: string): Partial<OpenAIBackendOptions> & { baseURLs: string[]; model: string } {
  const s = spec.startsWith('openai:') ? spec.slice('openai:'.length) : spec;
  const hash = s.indexOf('#');
  if (hash < 0 || hash === s.length - 1) {
    throw new SelfjError('BAD_CONFIG', `The openai backend id needs a model: openai:<base url>#<model> (got "${s.replace(/#.*/, '')}").`, {
      solutions: ['Example: openai:http://127.0.0.1:8000/v1#Qwen/Qwen2.5-7B-Instruct'],
    });
  }
  const baseURLs = s.slice(0, hash).split(',').map((u) => u.trim()).filter(Boolean);
  const [model, ...pairs] = s.slice(hash + 1).split(';');
  const out: Partial<OpenAIBackendOptions> & { baseURLs: string[]; model: string } = { baseURLs, model: model.trim() };
  for (const pair of pairs) {
    const [k, v = ''] = pair.split('=');
    const key = k.trim();
    if (key === 'flavour' && FLAVOURS.has(v)) out.flavour = v as ServerFlavour;
    else if (key === 'endpoint' && (v === 'chat' || v === 'completions')) out.endpoint = v;
    else if (key === 'apiKeyEnv') out.apiKeyEnv = v;
    else if (key === 'adaptive' && (v === 'true' || v === 'false')) out.adaptive = v === 'true';
    else if (NUMERIC.has(key) && Number.isFinite(Number(v))) (out as Record<string, unknown>)[key] = Number(v);
    else throw new SelfjError('BAD_CONFIG', `Unknown option "${key}" in the openai backend id.`, {
      solutions: ['Known: flavour=auto|openai|vllm|llama.cpp|ollama|tgi|selfj, endpoint=chat|completions, apiKeyEnv, adaptive=true|false, maxLogprobs, nProbs, concurrency, maxRetries, timeoutMs, connectRetryMs, contextSize, promptBatch, selfjBatch'],
    });
  }
  return out;
}
