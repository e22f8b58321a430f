/**
 * ModelBackend over any OpenAI-compatible server. Digit probabilities come from one max_tokens=1, temperature=0
 * request per prompt with logprobs/top_logprobs (or llama.cpp's n_probs); candidates the server did not return
 * stay undefined (partial coverage) unless the server returned the whole distribution. Against `selfj serve` the
 * exact batch extension is used instead (selfj-extension.ts), and the served backend's capabilities are reported.
 * String prompts go several per request where the server takes a list (batches.ts).
 */
import { SelfjError, isSelfjError, throwIfAborted, type BackendCapabilities, type CandidateProbabilities, type ChatMessage, type GenerateOptions, type GenerateResult, type ModelBackend, type NextTokenOptions, type Prompt, type TopToken } from '@selfj/core';
import { detectFlavour, flavourTraits, type FlavourTraits, type SelfjServerInfo, type ServerFlavour } from './flavour.js';
import {
  alternativesFromChat,
  alternativesFromCompletions,
  alternativesFromLlamaNative,
  mapCandidates,
  normaliseToken,
  type Alternative,
} from './logprobs.js';
import { Batcher } from './batches.js';
import { parseOpenAISpec, type OpenAIBackendOptions } from './options.js';
import { candidatesViaExtension, topTokensViaExtension } from './selfj-extension.js';
import { HttpTransport } from './transport.js';

type Choice = { text?: string; message?: { content?: string | null }; finish_reason?: string | null };
type CompletionJSON = { choices?: Choice[]; usage?: { completion_tokens?: number; prompt_tokens?: number } };

export class OpenAIBackend implements ModelBackend {
  readonly id: string;
  readonly model: string;
  private readonly http: HttpTransport;
  /** Options without secrets (key, env, headers live only inside the transport). */
  private readonly options: Omit<OpenAIBackendOptions, 'apiKey' | 'env' | 'headers'>;
  private traits: FlavourTraits;
  private nVocab?: number;
  private contextSize?: number;
  private embeddings = true;
  /** What a selfj serve server reports about the backend it serves. */
  private served?: SelfjServerInfo;
  /** Use selfj serve's candidate extension (the server has it and it is not switched off). */
  private extension = false;
  private detected?: Promise<void>;
  /** init() has finished (calls then skip its await). */
  private ready = false;
  private extensionBatches: Batcher;
  private listBatches: Batcher;

  constructor(options: OpenAIBackendOptions) {
    const { apiKey: givenKey, env: givenEnv, headers: _headers, ...safe } = options;
    this.options = safe;
    const urls = options.baseURLs ?? (options.baseURL ? [options.baseURL] : []);
    const env = givenEnv ?? process.env;
    const apiKey = givenKey ?? env[options.apiKeyEnv ?? 'OPENAI_API_KEY'];
    this.http = new HttpTransport({ ...options, baseURLs: urls, apiKey });
    this.model = options.model;
    this.id = `openai:${this.http.urls.join(',')}#${options.model}`;
    this.extensionBatches = new Batcher(options.selfjBatch ?? 64);
    this.listBatches = new Batcher(options.promptBatch ?? 16);
    const flavour = options.flavour && options.flavour !== 'auto' ? options.flavour : 'openai';
    this.traits = flavourTraits(flavour, options);
    this.contextSize = options.contextSize;
    // An explicit flavour skips the /v1/models probe, unless the probe is how it learns what it needs.
    const auto = !options.flavour || options.flavour === 'auto';
    const needsProbe = auto || (flavour === 'llama.cpp' && options.nProbs === -1) || flavour === 'selfj';
    if (!needsProbe) {
      this.detected = Promise.resolve();
      this.ready = true;
    }
  }

  get flavour(): ServerFlavour {
    return this.traits.flavour;
  }

  /** Asks /v1/models which server this is (flavour 'auto') and, for llama.cpp with nProbs -1, the vocabulary size. */
  async init(signal?: AbortSignal): Promise<void> {
    if (this.ready) return;
    this.detected ??= this.detect(signal).then(() => void (this.ready = true)).catch((e: unknown) => {
      this.detected = undefined; // a later call tries again (the server may come up)
      throw e;
    });
    return this.detected;
  }

  private async detect(signal?: AbortSignal): Promise<void> {
    let models: unknown;
    try {
      models = await this.http.json({ method: 'GET', path: '/models', signal });
    } catch (e) {
      // No usable /models (404, or a 4xx this server gives to GET): stay conservative.
      if (isSelfjError(e, 'NOT_FOUND') || isSelfjError(e, 'HTTP_ERROR') || isSelfjError(e, 'BAD_RECORD')) return;
      throw e;
    }
    const found = detectFlavour(models, this.model);
    const auto = !this.options.flavour || this.options.flavour === 'auto';
    if (found.flavour && auto) {
      this.traits = flavourTraits(found.flavour, {
        maxLogprobs: this.options.maxLogprobs ?? found.maxLogprobs,
        nProbs: this.options.nProbs,
      });
    }
    this.nVocab = found.nVocab;
    if (!auto && found.flavour !== this.traits.flavour) return; // explicit flavour, another server: take nothing else
    if (found.selfj) {
      this.served = found.selfj;
      this.extension = found.selfj.candidates === true && this.options.selfjExtension !== false;
      const maxPrompts = found.selfj.limits?.max_prompts;
      if (maxPrompts && maxPrompts > 0) {
        if (this.extensionBatches.batchSize > maxPrompts) this.extensionBatches = new Batcher(maxPrompts);
        if (this.listBatches.batchSize > maxPrompts) this.listBatches = new Batcher(maxPrompts);
      }
    }
    const m = (models as { data?: { id?: string; max_model_len?: number; selfj?: { embeddings?: boolean } }[] })?.data?.find((d) => d.id === this.model);
    this.contextSize ??= m?.max_model_len ?? found.selfj?.context_size;
    if (typeof m?.selfj?.embeddings === 'boolean') this.embeddings = m.selfj.embeddings;
  }

  /** What the server's model can do; meaningful after init() (createOpenAIBackend awaits it), which reads selfj serve's report. */
  capabilities(): BackendCapabilities {
    const k = this.traits.k;
    // Through the selfj extension the served backend's own log-prob capability carries over unchanged.
    const viaExt = this.extension && this.served?.logprobs;
    const lp = viaExt ? this.served!.logprobs! : k === -1 ? 'full' : k === 0 ? 'none' : 'topK';
    const kk = viaExt ? this.served!.k : k > 0 ? k : undefined;
    return {
      logprobs: lp,
      ...(lp === 'topK' && kk !== undefined ? { k: kk } : {}),
      features: false,
      embeddings: this.embeddings,
      // A selfj server says whether its backend has a chat template; other servers apply theirs to chat requests.
      chatTemplate: this.served?.chat_template ?? true,
      ...(this.contextSize ? { contextSize: this.contextSize } : {}),
    };
  }

  private endpointFor(prompt: Prompt): 'chat' | 'completions' {
    if (typeof prompt !== 'string') {
      if (this.options.endpoint === 'completions') {
        throw new SelfjError('BAD_INPUT', 'Chat messages need the chat endpoint, but this backend is set to endpoint "completions".', {
          solutions: ['Pass a string prompt', 'Drop endpoint=completions'],
        });
      }
      return 'chat';
    }
    return this.options.endpoint ?? this.traits.stringEndpoint;
  }

  private messages(prompt: Prompt): ChatMessage[] {
    return typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
  }

  async nextTokenProbabilities(prompts: Prompt[], candidates: string[], options: NextTokenOptions = {}): Promise<CandidateProbabilities[]> {
    throwIfAborted(options.signal);
    if (!candidates.length) throw new SelfjError('BAD_INPUT', 'nextTokenProbabilities needs at least one candidate string.');
    prompts.forEach(checkPrompt);
    if (prompts.length === 0) return []; // nothing to ask the server
    if (!this.ready) await this.init(options.signal);
    if (this.extension) return candidatesViaExtension(this.http, this.model, this.extensionBatches, prompts, candidates, options.signal);
    const map = (alts: Alternative[], complete: boolean) => mapCandidates(alts, candidates, { complete, mergeSpaceVariants: this.options.mergeSpaceVariants });
    if (this.listCompletions(prompts)) {
      const k = this.traits.k;
      return this.listBatches.run(prompts as string[], async (chunk, signal) => {
        const json = await this.http.json({
          path: '/completions',
          body: { model: this.model, prompt: chunk.length === 1 ? chunk[0] : chunk, max_tokens: 1, temperature: 0, logprobs: k },
          signal,
          weight: chunk.length,
        });
        return chunk.map((_, i) => map(this.checkAlternatives(alternativesFromCompletions(json, i), 'completions'), k === -1));
      }, options.signal);
    }
    // One request per prompt (chat, llama.cpp's native route, servers without prompt lists).
    return new Batcher(1).run(prompts, async ([p], signal) => {
      const { alts, complete } = await this.alternatives(p, this.traits.k, signal);
      return [map(alts, complete)];
    }, options.signal);
  }

  /** String prompts to a server whose /v1/completions takes a list of prompts (vLLM, selfj serve). */
  private listCompletions(prompts: Prompt[]): boolean {
    const t = this.traits;
    return (t.flavour === 'vllm' || t.flavour === 'selfj') && !t.nativeCompletion && prompts.every((p) => typeof p === 'string' && this.endpointFor(p) === 'completions');
  }

  private checkAlternatives(alts: Alternative[] | undefined, endpoint: string): Alternative[] {
    if (alts) return alts;
    const t = this.traits;
    throw new SelfjError('CAPABILITY_MISSING', `The server at ${this.http.urls.join(', ')} answered without log-probabilities (${endpoint}).`, {
      details: { flavour: t.flavour, endpoint },
      solutions: [t.logprobsHint, 'Set the flavour explicitly (flavour=vllm|llama.cpp|ollama|tgi|openai) if auto-detection guessed wrong'],
    });
  }

  /** One max_tokens=1 request asking for k alternatives (-1: all); `complete` when they are the whole vocabulary. */
  private async alternatives(prompt: Prompt, k: number, signal?: AbortSignal): Promise<{ alts: Alternative[]; complete: boolean }> {
    const t = this.traits;
    const endpoint = this.endpointFor(prompt);
    let alts: Alternative[] | undefined;
    let complete = k === -1;
    if (endpoint === 'completions' && t.nativeCompletion) {
      let nProbs = k;
      if (nProbs === -1) {
        if (!this.nVocab) {
          throw new SelfjError('BAD_CONFIG', 'nProbs -1 (whole vocabulary) needs the vocabulary size, and the llama.cpp server did not report it.', {
            solutions: ['Set nProbs to a number, e.g. the model vocabulary size'],
          });
        }
        nProbs = this.nVocab;
      }
      complete = this.nVocab !== undefined && nProbs >= this.nVocab;
      const json = await this.http.json({
        path: '/completion',
        root: true,
        body: { prompt, n_predict: 1, temperature: 0, n_probs: nProbs, cache_prompt: true },
        signal,
      });
      alts = alternativesFromLlamaNative(json);
    } else if (endpoint === 'completions') {
      const json = await this.http.json({
        path: '/completions',
        body: { model: this.model, prompt, max_tokens: 1, temperature: 0, logprobs: k },
        signal,
      });
      alts = alternativesFromCompletions(json);
    } else {
      const json = await this.http.json({
        path: '/chat/completions',
        body: { model: this.model, messages: this.messages(prompt), max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: k },
        signal,
      });
      alts = alternativesFromChat(json);
    }
    return { alts: this.checkAlternatives(alts, endpoint), complete };
  }

  /** The k most likely next tokens as the server reports them (at most the flavour's k; Infinity: all it gives). */
  async topTokens(prompt: Prompt, k: number, options: NextTokenOptions = {}): Promise<TopToken[]> {
    throwIfAborted(options.signal);
    checkPrompt(prompt, 0);
    await this.init(options.signal);
    if (this.extension) return topTokensViaExtension(this.http, this.model, prompt, k, options.signal);
    const max = this.traits.k;
    const want = !Number.isFinite(k) || k < 0 ? max : max === -1 ? k : Math.min(k, max);
    const { alts } = await this.alternatives(prompt, want, options.signal);
    const sorted = alts
      .map((a) => ({ token: normaliseToken(a.token), logprob: a.logprob, ...(a.id !== undefined ? { id: a.id } : {}) }))
      .sort((a, b) => b.logprob - a.logprob);
    return Number.isFinite(k) ? sorted.slice(0, Math.max(0, k)) : sorted;
  }

  async generate(prompt: Prompt, options: GenerateOptions = {}): Promise<GenerateResult> {
    throwIfAborted(options.signal);
    checkPrompt(prompt, 0);
    await this.init(options.signal);
    const endpoint = this.endpointFor(prompt);
    const body: Record<string, unknown> = {
      model: this.model,
      max_tokens: options.maxTokens ?? 256,
      ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
      ...(options.topP !== undefined ? { top_p: options.topP } : {}),
      ...(options.topK !== undefined && this.traits.topK ? { top_k: options.topK } : {}),
      ...(options.stop?.length ? { stop: options.stop } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    };
    if (endpoint === 'chat') body.messages = this.messages(prompt);
    else body.prompt = prompt;
    const json = await this.http.json<CompletionJSON>({
      path: endpoint === 'chat' ? '/chat/completions' : '/completions',
      body,
      signal: options.signal,
    });
    const choice = json?.choices?.[0];
    const text = endpoint === 'chat' ? choice?.message?.content : choice?.text;
    if (typeof text !== 'string') {
      throw new SelfjError('HTTP_ERROR', `The server's ${endpoint} response has no text in choices[0].`, { details: { endpoint } });
    }
    return {
      text,
      ...(json.usage?.completion_tokens !== undefined ? { tokens: json.usage.completion_tokens } : {}),
      ...(typeof json.usage?.prompt_tokens === 'number' && json.usage.prompt_tokens > 0 ? { promptTokens: json.usage.prompt_tokens } : {}),
      finishReason: choice?.finish_reason === 'length' ? 'length' : 'stop',
    };
  }

  async embed(texts: string[], options: NextTokenOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(options.signal);
    if (!texts.length) return [];
    const signal = options.signal;
    const chunks: string[][] = [];
    for (let i = 0; i < texts.length; i += 256) chunks.push(texts.slice(i, i + 256));
    const parts = await Promise.all(
      chunks.map(async (input) => {
        const json = await this.http.json<{ data?: { index?: number; embedding?: number[] }[] }>({
          path: '/embeddings',
          body: { model: this.options.embeddingModel ?? this.model, input, encoding_format: 'float' },
          signal,
        });
        const data = [...(json?.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
        if (data.length !== input.length || data.some((d) => !Array.isArray(d.embedding))) {
          throw new SelfjError('HTTP_ERROR', `/embeddings returned ${data.length} vectors for ${input.length} texts.`);
        }
        return data.map((d) => Float32Array.from(d.embedding as number[]));
      }),
    );
    return parts.flat();
  }

  async tokenize(text: string): Promise<number[]> {
    await this.init();
    const dialect = this.traits.tokenize;
    if (!dialect) {
      throw new SelfjError('CAPABILITY_MISSING', `A ${this.traits.flavour} server has no /tokenize endpoint.`, {
        solutions: ['Use a vLLM, llama.cpp or selfj server, or a local backend, when token ids are needed'],
      });
    }
    const body =
      dialect === 'vllm'
        ? { model: this.model, prompt: text, add_special_tokens: false }
        : dialect === 'tgi'
          ? { inputs: text }
          : { content: text, add_special: false };
    const json = await this.http.json<unknown>({ path: '/tokenize', root: true, body });
    const list = Array.isArray(json) ? json : (json as { tokens?: unknown[] })?.tokens;
    if (!Array.isArray(list)) throw new SelfjError('HTTP_ERROR', '/tokenize returned no token list.');
    return list.map((t) => (typeof t === 'number' ? t : Number((t as { id?: number }).id)));
  }

  /** Cancels requests in flight (they fail with ABORTED); the backend is unusable afterwards. */
  async close(): Promise<void> {
    this.http.close();
  }
}

function checkPrompt(prompt: Prompt, index: number): void {
  const empty = typeof prompt === 'string' ? prompt.length === 0 : !Array.isArray(prompt) || prompt.length === 0;
  if (empty) throw new SelfjError('BAD_INPUT', `Prompt ${index} is empty.`, { details: { index } });
}

/** Creates and initialises a backend from `<base url>[,...]#<model>[;k=v]` plus options (the plugin factory); `signal` cancels the wait for the server. */
export async function createOpenAIBackend(spec: string, options: Partial<OpenAIBackendOptions> = {}, signal?: AbortSignal): Promise<OpenAIBackend> {
  const parsed = parseOpenAISpec(spec);
  const backend = new OpenAIBackend({ ...parsed, ...options, baseURLs: options.baseURLs ?? parsed.baseURLs, model: options.model ?? parsed.model });
  try {
    await backend.init(signal); // waits for a server that is still starting (connectRetryMs); the signal ends the wait
  } catch (e) {
    await backend.close();
    throw e;
  }
  return backend;
}
