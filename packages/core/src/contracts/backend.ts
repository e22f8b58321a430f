/**
 * The contracts between Self-J and a model. Backends (plugins/backend-*) implement `ModelBackend`; embedders
 * (plugins/embed-*, or a backend's own embeddings) implement `Embedder`. Self-J never parses score text: it reads
 * the probabilities of candidate next tokens, so `nextTokenProbabilities` is the heart of the contract.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A raw text prompt, or chat messages that the backend renders with the model's chat template. */
export type Prompt = string | ChatMessage[];

export interface BackendCapabilities {
  /** "full": the whole vocabulary distribution; "topK": only the k most likely tokens; "none": no log-probs. */
  logprobs: 'full' | 'topK' | 'none';
  /** With logprobs "topK": how many alternatives the backend returns. */
  k?: number;
  /** The backend can return hidden-state feature vectors (`features`). */
  features: boolean;
  /** The backend can return embeddings (`embed`). */
  embeddings: boolean;
  /** The model has a chat template that the backend applies to ChatMessage[] prompts. */
  chatTemplate: boolean;
  /** Context window in tokens, when known. */
  contextSize?: number;
}

export interface GenerateOptions {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  stop?: string[];
  seed?: number;
  signal?: AbortSignal;
}

export interface GenerateResult {
  text: string;
  /** Number of generated tokens, when the backend knows it. */
  tokens?: number;
  /** Tokens of the prompt as the model read it (chat template included), when the backend knows it. */
  promptTokens?: number;
  finishReason: 'stop' | 'length';
}

export interface NextTokenOptions {
  signal?: AbortSignal;
}

/**
 * Probabilities of candidate strings being the very next token after a prompt.
 * `probs[c]` is the probability (over the full vocabulary) that the next token is exactly candidate c, or
 * `undefined` when the backend could not see it (top-k cut-off, or the candidate is not a single token there).
 */
export interface CandidateProbabilities {
  probs: Record<string, number | undefined>;
  /** "full" when every candidate's probability is known (possibly 0); "partial" when some are hidden. */
  coverage: 'full' | 'partial';
  /** Optional: the token id each candidate resolved to after the prompt (absent where it is not one token). */
  ids?: Record<string, number | undefined>;
}

/** One of the most likely next tokens: its text (as the tokenizer decodes it) and natural-log probability. */
export interface TopToken {
  token: string;
  logprob: number;
  /** Token id in the backend's own vocabulary, when known. */
  id?: number;
  /** An end-of-generation token (EOS/EOT): generation stops here and its text is not output. */
  eog?: boolean;
}

/** How likely a model finds a given continuation of a prompt (for perplexity baselines and LLM-as-judge by likelihood). */
export interface ContinuationScore {
  /** Sum of the natural-log probabilities of the continuation's tokens, each given the prompt and the tokens before it. */
  logprob: number;
  /** Number of continuation tokens (perplexity = exp(-logprob / tokens)). */
  tokens: number;
}

/**
 * Token-level access to a model, for servers that report log-probabilities of every generated token (chat
 * included) and `echo` (the prompt's own tokens): the rendered prompt's token ids, the whole next-token
 * distribution after any token sequence, and token text.
 */
export interface TokenAccess {
  /** The prompt as the backend evaluates it: token ids (BOS included) and the chat template's stop sequences. */
  render(prompt: Prompt): { tokens: number[]; stopTokens: number[][] };
  /** The whole next-token distribution after `tokens`: id -> probability, most likely first. */
  next(tokens: number[], signal?: AbortSignal): Promise<Map<number, number>>;
  /** Text of one token after the tokens before it (so a leading space shows). */
  text(id: number, before: number[]): string;
  /** Text of a generated sequence (as the backend's generate decodes it). */
  decode(ids: number[]): string;
  isEog(id: number): boolean;
  /** Leading tokens of render().tokens that are not prompt text (BOS). */
  specialPrefix(tokens: number[]): number;
}

export interface ModelBackend {
  /** A stable id, e.g. "llama-cpp:/models/x.gguf" or "openai:http://host:8000/v1#model". */
  readonly id: string;
  capabilities(): BackendCapabilities;
  generate(prompt: Prompt, options?: GenerateOptions): Promise<GenerateResult>;
  /** One result per prompt, in order. Backends batch or run concurrently as they can. */
  nextTokenProbabilities(
    prompts: Prompt[],
    candidates: string[],
    options?: NextTokenOptions,
  ): Promise<CandidateProbabilities[]>;
  /**
   * Optional: the k most likely next tokens after a prompt, most likely first (k = Infinity: the whole vocabulary).
   * Used by `selfj serve` to answer OpenAI `logprobs`/`top_logprobs` requests.
   */
  topTokens?(prompt: Prompt, k: number, options?: NextTokenOptions): Promise<TopToken[]>;
  /**
   * Optional: the log-probability of each continuation right after its prompt, under the model (one result per item,
   * in order). Backends that cannot give it leave it out; callers say so rather than guess.
   */
  scoreContinuation?(items: { prompt: Prompt; continuation: string }[], options?: NextTokenOptions): Promise<ContinuationScore[]>;
  /** Optional: token-level access (in-process backends); `selfj serve` uses it for per-token log-probs and echo. */
  tokenAccess?(): TokenAccess;
  /** Token ids of a text, in the backend's own tokenizer (throws CAPABILITY_MISSING where unknown). */
  tokenize(text: string): Promise<number[]>;
  /** Hidden-state feature vector per prompt (capabilities().features). */
  features?(prompts: Prompt[], options?: NextTokenOptions): Promise<Float32Array[]>;
  /** Embedding per text (capabilities().embeddings). */
  embed?(texts: string[], options?: NextTokenOptions): Promise<Float32Array[]>;
  close(): Promise<void>;
}

export interface Embedder {
  readonly id: string;
  /** Dimension of every vector this embedder returns. */
  readonly dim: number;
  /** Row-major [texts.length x dim] embeddings, L2-normalised where the embedder says so. */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<Float32Array>;
  close?(): Promise<void>;
}
