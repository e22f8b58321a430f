/** A deterministic in-memory backend and embedder for engine tests (no model; every number derives from a hash). */
import { createHash } from 'node:crypto';
import type { BackendCapabilities, CandidateProbabilities, Embedder, GenerateOptions, GenerateResult, ModelBackend, NextTokenOptions, Prompt, TopToken } from '../src/index.js';
import { SelfjError, throwIfAborted } from '../src/index.js';

function h32(s: string, i = 0): number {
  return createHash('sha256').update(`${i}:${s}`).digest().readUInt32LE(0);
}
const text = (p: Prompt) => (typeof p === 'string' ? p : p.map((m) => m.content).join('\n'));

/** The fake's vocabulary: the printable ASCII characters, one token each (token id = character code). */
const FIRST = 32;
const VOCAB = Array.from({ length: 95 }, (_, i) => String.fromCharCode(FIRST + i));
const WORDS = ['good', 'answer', 'cat', 'water', 'sum', 'list', 'blue', 'sky', 'the', 'is'];

/**
 * A backend that delivers what capabilities() claims: the full next-token distribution over its vocabulary (digits
 * share half the mass, the other characters the rest), topTokens over the whole vocabulary, features, a context
 * limit, typed errors for empty and over-long prompts, AbortSignal and close(). It generates whole words, one
 * token per word, chosen by hash from the prompt and seed.
 */
export class FakeBackend implements ModelBackend {
  readonly id: string;
  /** Prompt characters (= tokens) the fake accepts. */
  static readonly contextSize = 8192;
  calls = { generate: 0, next: 0, features: 0 };
  /** Prompts containing this string fail with PROMPT_TOO_LONG (a per-item bad record). */
  poison?: string;
  private closed = false;
  constructor(readonly dim = 8, name = 'fake:model') {
    this.id = name;
  }
  capabilities(): BackendCapabilities {
    return { logprobs: 'full', features: true, embeddings: false, chatTemplate: false, contextSize: FakeBackend.contextSize };
  }
  /** The prompt's text after the checks every call makes (the poison applies to scoring and features, not generate). */
  private check(prompt: Prompt, signal?: AbortSignal, poisonable = true): string {
    throwIfAborted(signal);
    if (this.closed) throw new SelfjError('BACKEND_UNAVAILABLE', `${this.id} is closed.`);
    const t = text(prompt);
    if (t.length === 0) throw new SelfjError('BAD_INPUT', 'Empty prompt.');
    if (t.length >= FakeBackend.contextSize) throw new SelfjError('PROMPT_TOO_LONG', `The prompt has ${t.length} tokens; the context holds ${FakeBackend.contextSize}.`);
    if (poisonable && this.poison && t.includes(this.poison)) throw new SelfjError('PROMPT_TOO_LONG', 'prompt too long');
    return t;
  }
  /** p(digit d) for d = 0..9: half of the mass, split by hash (the numbers the engine tests were written against). */
  private digitProbs(t: string): number[] {
    const raw = Array.from({ length: 10 }, (_, d) => 1 + (h32(t, d) % 100));
    const total = raw.reduce((a, b) => a + b, 0);
    return raw.map((r) => (0.5 * r) / total);
  }
  /** p(next token) for every vocabulary entry; sums to 1. The other half of the mass goes to the non-digits. */
  private distribution(t: string): Float64Array {
    const p = new Float64Array(VOCAB.length);
    const digits = this.digitProbs(t);
    // one 64-byte digest weights the 85 non-digit characters (cheap: the engine tests score many prompts)
    const bytes = createHash('sha512').update(`others:${t}`).digest();
    const others = VOCAB.map((c, j) => (/\d/.test(c) ? 0 : 1 + bytes[j % bytes.length]));
    const otherTotal = others.reduce((a, b) => a + b, 0);
    VOCAB.forEach((c, j) => {
      p[j] = /\d/.test(c) ? digits[Number(c)] : (0.5 * others[j]) / otherTotal;
    });
    return p;
  }
  async generate(prompt: Prompt, o: GenerateOptions = {}): Promise<GenerateResult> {
    const t = this.check(prompt, o.signal, false);
    this.calls.generate++;
    const seed = o.seed ?? 0;
    const natural = 3 + (h32(t, seed) % 6);
    const n = Math.min(natural, o.maxTokens ?? 256);
    let out = Array.from({ length: n }, (_, i) => WORDS[h32(t, seed * 31 + i) % WORDS.length]).join(' ');
    const cuts = (o.stop ?? []).filter((s) => s.length > 0).map((s) => out.indexOf(s)).filter((i) => i >= 0);
    if (cuts.length) {
      out = out.slice(0, Math.min(...cuts));
      return { text: out, tokens: out.split(' ').filter(Boolean).length, finishReason: 'stop' };
    }
    return { text: out, tokens: n, finishReason: n < natural ? 'length' : 'stop' };
  }
  async nextTokenProbabilities(prompts: Prompt[], candidates: string[], o: NextTokenOptions = {}): Promise<CandidateProbabilities[]> {
    throwIfAborted(o.signal);
    this.calls.next++;
    const texts = prompts.map((p) => this.check(p, o.signal));
    const out: CandidateProbabilities[] = [];
    for (const t of texts) {
      // like a real backend, one prompt at a time with the event loop free in between (so an abort is seen mid-way)
      await new Promise((r) => setImmediate(r));
      throwIfAborted(o.signal);
      // the whole distribution only when a candidate other than a digit asks for it
      const dist = candidates.some((c) => c.length === 1 && !/\d/.test(c)) ? this.distribution(t) : undefined;
      const digits = this.digitProbs(t);
      const probs: Record<string, number | undefined> = {};
      const ids: Record<string, number | undefined> = {};
      for (const c of candidates) {
        // one character is one token (probability 0 outside the vocabulary); longer strings are not one token
        const code = c.length === 1 ? c.charCodeAt(0) : undefined;
        ids[c] = code;
        probs[c] = code === undefined ? undefined : /\d/.test(c) ? digits[Number(c)] : (dist![code - FIRST] ?? 0);
      }
      out.push({ probs, coverage: 'full', ids });
    }
    return out;
  }
  async topTokens(prompt: Prompt, k: number, o: NextTokenOptions = {}): Promise<TopToken[]> {
    const dist = this.distribution(this.check(prompt, o.signal));
    return VOCAB.map((token, j) => ({ token, id: FIRST + j, logprob: Math.log(dist[j]) }))
      .sort((a, b) => b.logprob - a.logprob || a.id - b.id)
      .slice(0, k);
  }
  async tokenize(s: string): Promise<number[]> {
    if (this.closed) throw new SelfjError('BACKEND_UNAVAILABLE', `${this.id} is closed.`);
    return [...s].map((c) => c.charCodeAt(0));
  }
  async features(prompts: Prompt[], o: NextTokenOptions = {}): Promise<Float32Array[]> {
    throwIfAborted(o.signal);
    this.calls.features++;
    return prompts.map((p) => {
      const t = this.check(p, o.signal);
      return Float32Array.from({ length: this.dim }, (_, j) => ((h32(t, 100 + j) % 2000) - 1000) / 500);
    });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Bag-of-letters embedder: similar texts get similar vectors (rows are letter counts, not normalised). */
export class FakeEmbedder implements Embedder {
  readonly id = 'fake-embed';
  readonly dim = 26;
  async embed(texts: string[], o: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    throwIfAborted(o.signal);
    const out = new Float32Array(texts.length * this.dim);
    texts.forEach((t, i) => {
      for (const c of t.toLowerCase()) {
        const k = c.charCodeAt(0) - 97;
        if (k >= 0 && k < 26) out[i * this.dim + k] += 1;
      }
    });
    return out;
  }
}

/** Writes n instruction records as JSONL text. */
export function instructions(n: number): string {
  const cats = ['common', 'coding', 'academic'];
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `q${i}`, instruction: `Question number ${i}: what is ${i} plus ${i}?`, reference: `The answer is ${2 * i}, the sum of ${i} and ${i}.`, category: cats[i % 3] }),
  ).join('\n') + '\n';
}
