/**
 * ExampleBackend: a selfj ModelBackend over the toy bigram model. What a real backend does is the same: say in
 * capabilities() what it delivers, deliver exactly that, throw SelfjError codes for bad input, honour AbortSignal,
 * and make close() idempotent. @selfj/testkit checks all of it (test/conformance.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { SelfjError, throwIfAborted, type BackendCapabilities, type CandidateProbabilities, type ContinuationScore, type GenerateOptions, type GenerateResult, type ModelBackend, type NextTokenOptions, type Prompt, type TopToken } from '@selfj/core';
import { BUILTIN_CORPUS, BigramModel, EOS, seededRandom, textOf, tokenOf, tokenize } from './model.js';

export interface ExampleBackendOptions {
  /** Longest prompt in tokens (characters); longer ones are PROMPT_TOO_LONG. Default 2048. */
  contextSize?: number;
  /** Add-k smoothing of the bigram counts. Default 0.05. */
  smoothing?: number;
}

/** Gives the event loop a turn (so an abort can arrive during a long call). */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ExampleBackend implements ModelBackend {
  readonly id: string;
  private readonly contextSize: number;
  private closed = false;

  constructor(
    name: string,
    private readonly model: BigramModel,
    options: ExampleBackendOptions = {},
  ) {
    this.id = `example:${name}`;
    this.contextSize = options.contextSize ?? 2048;
  }

  /** `spec` is "builtin" (the corpus in model.ts) or the path of a UTF-8 text file to count bigrams in. */
  static async open(spec: string, options: ExampleBackendOptions = {}): Promise<ExampleBackend> {
    let corpus = BUILTIN_CORPUS;
    if (spec && spec !== 'builtin') {
      try {
        corpus = await readFile(spec, 'utf8');
      } catch (e) {
        throw new SelfjError('MODEL_LOAD_FAILED', `Cannot read the corpus ${spec}: ${(e as Error).message}`, {
          cause: e,
          solutions: ['Use "example:builtin", or give the path of a text file: "example:/path/to/corpus.txt".'],
        });
      }
    }
    return new ExampleBackend(spec || 'builtin', new BigramModel(corpus, options.smoothing), options);
  }

  capabilities(): BackendCapabilities {
    return { logprobs: 'full', features: false, embeddings: false, chatTemplate: false, contextSize: this.contextSize };
  }

  /** Checks every call makes; returns the prompt's tokens. */
  private prepare(prompt: Prompt, signal?: AbortSignal): number[] {
    throwIfAborted(signal);
    if (this.closed) throw new SelfjError('BACKEND_UNAVAILABLE', `${this.id} is closed.`);
    // No chat template: messages are joined as plain text.
    const text = typeof prompt === 'string' ? prompt : prompt.map((m) => m.content).join('\n');
    if (text.length === 0) throw new SelfjError('BAD_INPUT', 'The prompt is empty.', { solutions: ['Give a non-empty prompt.'] });
    const tokens = tokenize(text);
    if (tokens.length >= this.contextSize) {
      throw new SelfjError('PROMPT_TOO_LONG', `The prompt has ${tokens.length} tokens; the context holds ${this.contextSize}.`, {
        details: { tokens: tokens.length, contextSize: this.contextSize },
        solutions: ['Raise the backend option contextSize.', 'Shorten the prompt.'],
      });
    }
    return tokens;
  }

  async generate(prompt: Prompt, options: GenerateOptions = {}): Promise<GenerateResult> {
    const tokens = this.prepare(prompt, options.signal);
    const maxTokens = options.maxTokens ?? 64;
    const temperature = options.temperature ?? 1;
    const random = seededRandom(options.seed ?? 0);
    const stops = (options.stop ?? []).filter((s) => s.length > 0);
    let previous = tokens[tokens.length - 1];
    let text = '';
    for (let n = 0; n < maxTokens; n++) {
      if (n % 64 === 63) await breathe();
      throwIfAborted(options.signal);
      const next = temperature === 0 ? argmax(this.model.next(previous)) : sample(this.model.next(previous), temperature, options.topP ?? 1, random);
      if (next === EOS) return { text, tokens: n, finishReason: 'stop' };
      text += textOf(next);
      previous = next;
      const cut = Math.min(...stops.map((s) => text.indexOf(s)).filter((i) => i >= 0));
      if (Number.isFinite(cut)) return { text: text.slice(0, cut), tokens: n + 1, finishReason: 'stop' };
    }
    return { text, tokens: maxTokens, finishReason: 'length' };
  }

  async nextTokenProbabilities(prompts: Prompt[], candidates: string[], options: NextTokenOptions = {}): Promise<CandidateProbabilities[]> {
    const all = prompts.map((p) => this.prepare(p, options.signal));
    const out: CandidateProbabilities[] = [];
    for (const tokens of all) {
      await breathe();
      throwIfAborted(options.signal);
      const dist = this.model.next(tokens[tokens.length - 1]);
      const probs: Record<string, number | undefined> = {};
      const ids: Record<string, number | undefined> = {};
      for (const c of candidates) {
        // One character is one token; a longer candidate is not a single token here (undefined, as the contract says).
        const id = [...c].length === 1 ? tokenOf(c) : undefined;
        ids[c] = id;
        probs[c] = id === undefined ? undefined : dist[id];
      }
      out.push({ probs, coverage: 'full', ids });
    }
    return out;
  }

  async topTokens(prompt: Prompt, k: number, options: NextTokenOptions = {}): Promise<TopToken[]> {
    const tokens = this.prepare(prompt, options.signal);
    const dist = this.model.next(tokens[tokens.length - 1]);
    return Array.from(dist, (p, id) => ({ token: textOf(id), id, logprob: Math.log(p), eog: id === EOS }))
      .sort((a, b) => b.logprob - a.logprob || a.id - b.id)
      .slice(0, k);
  }

  async scoreContinuation(items: { prompt: Prompt; continuation: string }[], options: NextTokenOptions = {}): Promise<ContinuationScore[]> {
    return items.map(({ prompt, continuation }) => {
      let previous = this.prepare(prompt, options.signal).at(-1)!;
      const tokens = tokenize(continuation);
      if (tokens.length === 0) throw new SelfjError('BAD_INPUT', 'The continuation is empty.');
      let logprob = 0;
      for (const t of tokens) {
        logprob += Math.log(this.model.next(previous)[t]);
        previous = t;
      }
      return { logprob, tokens: tokens.length };
    });
  }

  async tokenize(text: string): Promise<number[]> {
    if (this.closed) throw new SelfjError('BACKEND_UNAVAILABLE', `${this.id} is closed.`);
    return tokenize(text);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

function argmax(p: Float64Array): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** Temperature and nucleus (top-p) sampling with the seeded generator. */
function sample(p: Float64Array, temperature: number, topP: number, random: () => number): number {
  const weights = Array.from(p, (x, id) => ({ id, w: Math.pow(x, 1 / temperature) }));
  weights.sort((a, b) => b.w - a.w || a.id - b.id);
  const total = weights.reduce((s, x) => s + x.w, 0);
  const kept: typeof weights = [];
  let mass = 0;
  for (const x of weights) {
    kept.push(x);
    mass += x.w / total;
    if (mass >= topP) break;
  }
  let r = random() * kept.reduce((s, x) => s + x.w, 0);
  for (const x of kept) {
    r -= x.w;
    if (r <= 0) return x.id;
  }
  return kept[kept.length - 1].id;
}
