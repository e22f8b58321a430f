/**
 * What differs between OpenAI-compatible servers: how many alternatives they return, where the richer forms are
 * (vLLM full vocabulary, llama.cpp n_probs), whether /tokenize exists, and which flag enables log-probs.
 */
export type ServerFlavour = 'openai' | 'vllm' | 'llama.cpp' | 'ollama' | 'tgi' | 'selfj';

export interface FlavourTraits {
  flavour: ServerFlavour;
  /** Alternatives requested per position; -1 means the whole vocabulary. */
  k: number;
  /** /tokenize dialect, if the server has one. */
  tokenize?: 'llama.cpp' | 'vllm' | 'tgi' | 'selfj';
  /** String prompts go to llama.cpp's native /completion with n_probs. */
  nativeCompletion: boolean;
  /** The server accepts the non-OpenAI `top_k` sampling field. */
  topK: boolean;
  /** Default endpoint for string prompts. */
  stringEndpoint: 'chat' | 'completions';
  /** How to get log-probs out of this server, for the error raised when a response has none. */
  logprobsHint: string;
}

export interface FlavourOptions {
  /** vLLM / selfj: alternatives to ask for (vLLM caps it at its --max-logprobs); -1 = the whole vocabulary. */
  maxLogprobs?: number;
  /** llama.cpp server: n_probs for /completion (default 20). */
  nProbs?: number;
}

export function flavourTraits(flavour: ServerFlavour, o: FlavourOptions = {}): FlavourTraits {
  switch (flavour) {
    case 'openai':
      return {
        flavour, k: 20, nativeCompletion: false, topK: false, stringEndpoint: 'chat',
        logprobsHint: 'OpenAI returns at most 20 top_logprobs (chat); pick a model that supports logprobs',
      };
    case 'ollama':
      return {
        flavour, k: 20, nativeCompletion: false, topK: true, stringEndpoint: 'completions',
        logprobsHint: 'Ollama returns logprobs from version 0.12.11 on: upgrade Ollama',
      };
    case 'tgi':
      return {
        flavour, k: 5, tokenize: 'tgi', nativeCompletion: false, topK: true, stringEndpoint: 'chat',
        logprobsHint: 'TGI returns at most --max-top-n-tokens alternatives (default 5); start text-generation-launcher with --max-top-n-tokens 5',
      };
    case 'vllm':
      return {
        flavour, k: o.maxLogprobs ?? 20, tokenize: 'vllm', nativeCompletion: false, topK: true, stringEndpoint: 'completions',
        logprobsHint: 'start vLLM with --max-logprobs N (N >= the alternatives requested; -1 returns the whole vocabulary)',
      };
    case 'llama.cpp':
      return {
        flavour, k: o.nProbs ?? 20, tokenize: 'llama.cpp', nativeCompletion: true, topK: true, stringEndpoint: 'completions',
        logprobsHint: 'use a recent llama-server (n_probs on /completion, logprobs/top_logprobs on /v1/chat/completions)',
      };
    case 'selfj':
      return {
        flavour, k: o.maxLogprobs ?? -1, tokenize: 'selfj', nativeCompletion: false, topK: true, stringEndpoint: 'completions',
        logprobsHint: 'serve a backend that can list top tokens (selfj serve with a llama-cpp model)',
      };
  }
}

/** What a `selfj serve` says about its backend in /v1/models (the `selfj` field of the model entry). */
export interface SelfjServerInfo {
  max_logprobs?: number;
  logprobs?: 'full' | 'topK' | 'none';
  k?: number;
  /** The server has POST /v1/selfj/next-token-probabilities. */
  candidates?: boolean;
  embeddings?: boolean;
  /** The served backend renders chat messages with the model's own chat template. */
  chat_template?: boolean;
  features?: boolean;
  context_size?: number;
  /** Per-request limits: past them the server answers 413 (or 400 for one prompt's max_tokens). */
  limits?: { max_prompts?: number; max_tokens?: number; max_body_bytes?: number };
}

interface ModelsList {
  data?: { id?: string; owned_by?: string; max_model_len?: number; meta?: { n_vocab?: number }; selfj?: SelfjServerInfo }[];
}

/** Guesses the server kind from its /v1/models answer; undefined when nothing gives it away. */
export function detectFlavour(
  models: unknown,
  model: string,
): { flavour?: ServerFlavour; maxLogprobs?: number; nVocab?: number; selfj?: SelfjServerInfo } {
  const data = (models as ModelsList)?.data ?? [];
  const m = data.find((d) => d.id === model) ?? data[0];
  if (!m) return {};
  const owner = (m.owned_by ?? '').toLowerCase();
  if (owner === 'selfj') return { flavour: 'selfj', maxLogprobs: m.selfj?.max_logprobs, selfj: m.selfj ?? {} };
  if (owner === 'vllm' || m.max_model_len !== undefined) return { flavour: 'vllm' };
  if (owner === 'llamacpp' || m.meta?.n_vocab !== undefined) return { flavour: 'llama.cpp', nVocab: m.meta?.n_vocab };
  if (owner === 'library' || owner === 'ollama') return { flavour: 'ollama' };
  if (owner === 'tgi' || owner === 'text-generation-inference') return { flavour: 'tgi' };
  if (owner === 'openai' || owner === 'system' || owner.startsWith('openai')) return { flavour: 'openai' };
  return {};
}
