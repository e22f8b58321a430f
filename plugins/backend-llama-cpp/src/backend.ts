/**
 * LlamaCppBackend: a GGUF model in-process through node-llama-cpp. One or more contexts, each with one or more
 * sequences, serve all requests; prompts are evaluated concurrently, one per sequence (the sequences of one context
 * are batched together by node-llama-cpp; separate contexts decode independently, each on its own threads).
 */
import type { Llama, LlamaContext, LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';
import { SelfjError, throwIfAborted, type BackendCapabilities, type CandidateProbabilities, type ContinuationScore, type GenerateOptions, type GenerateResult, type ModelBackend, type NextTokenOptions, type Prompt, type TokenAccess, type TopToken } from '@selfj/core';
import { continuationTokens, scoreOnSequence } from './continuation.js';
import { generateOnSequence } from './generate.js';
import { loadGguf, type LoadOptions } from './load.js';
import { PromptRenderer, type RenderedPrompt } from './prompt.js';
import { SequencePool, mapConcurrent } from './sequence-pool.js';
import { llamaTokenAccess } from './token-access.js';

export interface LlamaCppBackendOptions extends LoadOptions {
  /** Tokens per sequence (default: the model's training context, at most 4096). */
  contextSize?: number;
  /** CPU threads per context (default 1, see DEFAULT_THREADS; set explicitly: node-llama-cpp's default shrinks on a busy machine). */
  threads?: number;
  /** Tokens per llama.cpp batch across all sequences (default 512). */
  batchSize?: number;
  /** Concurrent sequences = prompts evaluated at once (default 1: exact and reproducible; more is faster, see README). */
  sequences?: number;
  /**
   * Independent llama.cpp contexts (default 1), each with `sequences` sequences and `threads` threads. Unlike more
   * sequences, more contexts keep every result exact: each context decodes its prompt alone, as one context would.
   * Costs one KV cache (and compute buffer) per context. `selfj serve` uses them so that a short request need not
   * wait for a long generation.
   */
  contexts?: number;
  /**
   * Feed prompts in fixed pieces of batchSize / sequences tokens (default true), so that a prompt's probabilities do
   * not depend on what else runs concurrently. false: let node-llama-cpp cut prompts wherever the shared batch
   * fills (a few % more throughput on tiny models; results then move ~1e-3 relative with the batch layout).
   */
  batchInvariant?: boolean;
  /**
   * llama.cpp flash attention (default false). Off because on the CPU it rounds queries to f16, which moved
   * log-probabilities by up to ~1e-2 between batch layouts in our measurements; turn it on for speed on a GPU.
   */
  flashAttention?: boolean;
}

// One thread by default: llama.cpp's spinning workers collapse when another process needs the other core (on a
// 2-core machine a 64-token completion took 0.95 s with 2 threads under load vs 0.03 s with 1), and small models
// gain little from a second thread. Pass threads for a bigger model on an idle machine.
export const DEFAULT_THREADS = 1;
// One sequence by default: several sequences batch prompts together in one llama.cpp decode, which is faster but
// lets a prompt's probabilities move by up to ~1e-3 with what else runs concurrently (measured on the CPU build),
// and that breaks the conformance property "same distribution at batch size 1 and 16" and byte-identical reruns.
export const DEFAULT_SEQUENCES = 1;
export const DEFAULT_CONTEXTS = 1;

/** Read the full next-token distribution: temperature 0 keeps node-llama-cpp from truncating the map. */
const NEXT_PROBS = { generateNext: { probabilities: true, options: { temperature: 0 } } } as const;

export class LlamaCppBackend implements ModelBackend {
  readonly id: string;
  private readonly renderer: PromptRenderer;
  private readonly pool: SequencePool;
  private embedding?: Promise<LlamaEmbeddingContext>;
  private embeddingQueue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly modelPath: string,
    readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly contexts: LlamaContext[],
    private readonly options: Required<Pick<LlamaCppBackendOptions, 'threads' | 'sequences' | 'contexts' | 'batchSize' | 'batchInvariant'>>,
  ) {
    this.id = `llama-cpp:${modelPath}`;
    this.renderer = new PromptRenderer(model);
    this.pool = new SequencePool(contexts.flatMap((c) => Array.from({ length: c.totalSequences }, () => c.getSequence())));
  }

  /** The first context (all have the same size and settings). */
  get context(): LlamaContext {
    return this.contexts[0];
  }

  /** Prompts evaluated at once: sequences per context x contexts. */
  private get concurrency(): number {
    return this.options.sequences * this.options.contexts;
  }

  /** Loads a GGUF file; typed errors for a missing, non-GGUF or corrupt file, or too little memory. */
  static async load(modelPath: string, options: LlamaCppBackendOptions = {}): Promise<LlamaCppBackend> {
    const { llama, model } = await loadGguf(modelPath, options);
    const sequences = Math.max(1, Math.floor(options.sequences ?? DEFAULT_SEQUENCES));
    const contextCount = Math.max(1, Math.floor(options.contexts ?? DEFAULT_CONTEXTS));
    const threads = Math.max(1, Math.floor(options.threads ?? DEFAULT_THREADS));
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 512));
    const contextSize = Math.max(16, Math.floor(options.contextSize ?? Math.min(model.trainContextSize, 4096)));
    const contexts: LlamaContext[] = [];
    try {
      while (contexts.length < contextCount) {
        contexts.push(await model.createContext({ contextSize, sequences, threads, batchSize, flashAttention: options.flashAttention ?? false }));
      }
    } catch (e) {
      for (const c of contexts) await c.dispose();
      await model.dispose();
      const what = `${contextCount > 1 ? `context ${contexts.length + 1} of ${contextCount}` : 'context'} (${contextSize} tokens x ${sequences} sequences)`;
      throw new SelfjError('MODEL_LOAD_FAILED', `Could not create a llama.cpp ${what}: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        solutions: ['Lower contextSize, sequences or contexts.', 'Use a smaller model or quantisation.'],
      });
    }
    const batchInvariant = options.batchInvariant ?? true;
    return new LlamaCppBackend(modelPath, llama, model, contexts, { threads, sequences, contexts: contextCount, batchSize, batchInvariant });
  }

  capabilities(): BackendCapabilities {
    return {
      logprobs: 'full',
      features: true,
      embeddings: true,
      chatTemplate: this.renderer.hasChatTemplate,
      contextSize: this.context.contextSize,
    };
  }

  /** What this backend runs on (for logs and benchmarks). */
  runtimeInfo(): {
    gpu: string | false;
    threads: number;
    sequences: number;
    contexts: number;
    concurrency: number;
    batchSize: number;
    contextSize: number;
    vocabSize: number;
  } {
    return {
      gpu: this.llama.gpu,
      threads: this.options.threads,
      sequences: this.options.sequences,
      contexts: this.options.contexts,
      concurrency: this.concurrency,
      batchSize: this.options.batchSize,
      contextSize: this.context.contextSize,
      vocabSize: this.vocabSize(),
    };
  }

  vocabSize(): number {
    return this.model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length ?? 0;
  }

  tokenAccess(): TokenAccess {
    return llamaTokenAccess(this);
  }

  /** Renders and length-checks a prompt (BAD_INPUT, PROMPT_TOO_LONG) before any work starts. */
  prepare(prompt: Prompt): RenderedPrompt {
    this.checkOpen();
    const r = this.renderer.render(prompt);
    const limit = this.context.contextSize;
    if (r.tokens.length >= limit) {
      throw new SelfjError('PROMPT_TOO_LONG', `The prompt has ${r.tokens.length} tokens; the context holds ${limit} (one is kept for the answer).`, {
        details: { tokens: r.tokens.length, contextSize: limit },
        solutions: [
          `Raise contextSize (this model was trained with ${this.model.trainContextSize} tokens).`,
          'Shorten the prompt: truncate the instruction, response or reference.',
        ],
      });
    }
    return r;
  }

  async generate(prompt: Prompt, options: GenerateOptions = {}): Promise<GenerateResult> {
    throwIfAborted(options.signal);
    const r = this.prepare(prompt);
    return this.pool.use(options.signal, (seq) =>
      generateOnSequence(this.model, seq, r.tokens, r.stopTokens, options, this.context.contextSize - r.tokens.length, this.chunk),
    );
  }

  /**
   * Tokens per evaluation step of one sequence. llama.cpp's numbers depend slightly (~1e-3 relative) on where a
   * prompt is cut into decode batches, so each prompt is fed in pieces cut at fixed multiples of this size, and all
   * sequences' pieces fit one batch together: a prompt's result is then independent of what else runs concurrently.
   */
  private get chunk(): number {
    if (!this.options.batchInvariant) return Number.POSITIVE_INFINITY;
    return Math.max(1, Math.floor(this.options.batchSize / this.options.sequences));
  }

  /** The full next-token distribution after already-rendered tokens (a Map sorted by probability). */
  async distribution(tokens: Token[], signal?: AbortSignal): Promise<Map<Token, number>> {
    return this.pool.use(signal, async (seq) => {
      await seq.clearHistory();
      const chunk = this.chunk;
      let start = 0;
      for (; tokens.length - start > chunk; start += chunk) {
        await seq.evaluateWithoutGeneratingNewTokens(tokens.slice(start, start + chunk));
        throwIfAborted(signal);
      }
      const piece = tokens.slice(start);
      const last = piece.length - 1;
      const out = await seq.controlledEvaluate(piece.map((t, i) => (i === last ? [t, NEXT_PROBS] : t)));
      throwIfAborted(signal);
      const probs = out[last]?.next.probabilities;
      if (!probs) throw new SelfjError('INTERNAL', 'llama.cpp returned no next-token probabilities.');
      return probs;
    });
  }

  async nextTokenProbabilities(prompts: Prompt[], candidates: string[], options: NextTokenOptions = {}): Promise<CandidateProbabilities[]> {
    throwIfAborted(options.signal);
    const rendered = prompts.map((p) => this.prepare(p));
    return mapConcurrent(rendered, this.concurrency, async (r) => {
      const dist = await this.distribution(r.tokens, options.signal);
      const probs: Record<string, number | undefined> = {};
      const ids: Record<string, number | undefined> = {};
      for (const c of candidates) {
        const id = this.renderer.candidateToken(r, c);
        // The map covers the whole vocabulary, so an absent id has probability 0; undefined = not one token here.
        probs[c] = id === undefined ? undefined : (dist.get(id) ?? 0);
        ids[c] = id;
      }
      return { probs, coverage: 'full' as const, ids };
    });
  }

  /** Log-probability of each continuation after its prompt (see continuation.ts); too long for the context: PROMPT_TOO_LONG. */
  async scoreContinuation(items: { prompt: Prompt; continuation: string }[], options: NextTokenOptions = {}): Promise<ContinuationScore[]> {
    throwIfAborted(options.signal);
    const prepared = items.map((it) => {
      const t = continuationTokens(this.model, this.prepare(it.prompt), it.continuation);
      if (t.tokens.length > this.context.contextSize) {
        throw new SelfjError('PROMPT_TOO_LONG', `Prompt and continuation have ${t.tokens.length} tokens; the context holds ${this.context.contextSize}.`, {
          details: { tokens: t.tokens.length, contextSize: this.context.contextSize },
          solutions: ['Raise contextSize.', 'Shorten the instruction or the response.'],
        });
      }
      return t;
    });
    return mapConcurrent(prepared, this.concurrency, (t) =>
      this.pool.use(options.signal, (seq) => scoreOnSequence(seq, t.tokens, t.start, this.chunk, options.signal)),
    );
  }

  /** The k most likely next tokens (k = Infinity: the whole vocabulary), most likely first. */
  async topTokens(prompt: Prompt, k: number, options: NextTokenOptions = {}): Promise<TopToken[]> {
    throwIfAborted(options.signal);
    const tokens = this.prepare(prompt).tokens;
    const dist = await this.distribution(tokens, options.signal);
    // Decode each token after the prompt's tail, so SPM's leading space shows (" Once", not "Once").
    const context = tokens.slice(-4);
    const out: TopToken[] = [];
    for (const [id, p] of dist) {
      if (out.length >= k) break;
      out.push({ token: this.model.detokenize([id], true, context), logprob: Math.log(p), id, eog: this.model.isEogToken(id) });
    }
    return out;
  }

  async tokenize(text: string): Promise<number[]> {
    this.checkOpen();
    return this.model.tokenize(text, false);
  }

  /**
   * Final hidden state of the prompt: the output of the model's last normalisation layer (the input of the LM
   * head) at the LAST prompt token, i.e. at the position whose next-token distribution scores the digits. No
   * pooling for decoder models (llama.cpp pooling "none"); a GGUF that declares a pooling type (embedding models)
   * gets llama.cpp's pooled vector instead. Not normalised. Evaluated one prompt at a time on an embedding context.
   */
  async features(prompts: Prompt[], options: NextTokenOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(options.signal);
    const rendered = prompts.map((p) => this.prepare(p));
    const out: Float32Array[] = [];
    for (const r of rendered) out.push(await this.hiddenState(r.tokens, options.signal));
    return out;
  }

  /** Embeddings of plain texts: the same vector as `features` of the text, L2-normalised. */
  async embed(texts: string[], options: NextTokenOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(options.signal);
    const rendered = texts.map((t) => this.prepare(t));
    const out: Float32Array[] = [];
    for (const r of rendered) {
      const v = await this.hiddenState(r.tokens, options.signal);
      let n = 0;
      for (const x of v) n += x * x;
      n = Math.sqrt(n);
      if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
      out.push(v);
    }
    return out;
  }

  private hiddenState(tokens: Token[], signal?: AbortSignal): Promise<Float32Array> {
    // The embedding context has one sequence: queue the calls.
    const run = this.embeddingQueue.then(async () => {
      throwIfAborted(signal);
      this.embedding ??= this.model.createEmbeddingContext({
        contextSize: this.context.contextSize,
        batchSize: this.context.contextSize,
        threads: this.options.threads,
      });
      const ctx = await this.embedding;
      const e = await ctx.getEmbeddingFor(tokens);
      throwIfAborted(signal);
      return Float32Array.from(e.vector);
    });
    this.embeddingQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pool.close();
    if (this.embedding) await (await this.embedding.catch(() => undefined))?.dispose();
    for (const c of this.contexts) await c.dispose();
    await this.model.dispose();
  }

  private checkOpen(): void {
    if (this.closed) throw new SelfjError('BACKEND_UNAVAILABLE', `${this.id} is closed.`);
  }
}
