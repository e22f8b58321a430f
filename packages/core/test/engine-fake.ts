/** A deterministic in-memory backend and embedder for engine tests (no model; every number derives from a hash). */
import { createHash } from 'node:crypto';
import type { BackendCapabilities, CandidateProbabilities, Embedder, GenerateOptions, GenerateResult, ModelBackend, Prompt } from '../src/index.js';
import { SelfjError } from '../src/index.js';

function h32(s: string, i = 0): number {
  return createHash('sha256').update(`${i}:${s}`).digest().readUInt32LE(0);
}
const text = (p: Prompt) => (typeof p === 'string' ? p : p.map((m) => m.content).join('\n'));

export class FakeBackend implements ModelBackend {
  readonly id: string;
  calls = { generate: 0, next: 0, features: 0 };
  /** Prompts containing this string fail with PROMPT_TOO_LONG (a per-item bad record). */
  poison?: string;
  constructor(readonly dim = 8, name = 'fake:model') {
    this.id = name;
  }
  capabilities(): BackendCapabilities {
    return { logprobs: 'full', features: true, embeddings: false, chatTemplate: false };
  }
  async generate(prompt: Prompt, o: GenerateOptions = {}): Promise<GenerateResult> {
    this.calls.generate++;
    const words = ['good', 'answer', 'cat', 'water', 'sum', 'list', 'blue', 'sky', 'the', 'is'];
    const n = 3 + (h32(text(prompt), o.seed ?? 0) % 6);
    const out = Array.from({ length: n }, (_, i) => words[h32(text(prompt), (o.seed ?? 0) * 31 + i) % words.length]);
    return { text: out.join(' '), tokens: n, finishReason: 'length' };
  }
  async nextTokenProbabilities(prompts: Prompt[], candidates: string[]): Promise<CandidateProbabilities[]> {
    this.calls.next++;
    return prompts.map((p) => {
      const t = text(p);
      if (this.poison && t.includes(this.poison)) throw new SelfjError('PROMPT_TOO_LONG', 'prompt too long');
      const probs: Record<string, number | undefined> = {};
      let total = 0;
      const raw = Array.from({ length: 10 }, (_, d) => 1 + (h32(t, d) % 100));
      for (const r of raw) total += r;
      for (const c of candidates) probs[c] = /^\d$/.test(c) ? (0.5 * raw[Number(c)]) / total : undefined;
      return { probs, coverage: 'partial' as const };
    });
  }
  async tokenize(s: string): Promise<number[]> {
    return [...s].map((c) => c.charCodeAt(0));
  }
  async features(prompts: Prompt[]): Promise<Float32Array[]> {
    this.calls.features++;
    return prompts.map((p) => {
      const t = text(p);
      if (this.poison && t.includes(this.poison)) throw new SelfjError('PROMPT_TOO_LONG', 'prompt too long');
      return Float32Array.from({ length: this.dim }, (_, j) => ((h32(t, 100 + j) % 2000) - 1000) / 500);
    });
  }
  async close(): Promise<void> {}
}

/** Bag-of-letters embedder: similar texts get similar vectors. */
export class FakeEmbedder implements Embedder {
  readonly id = 'fake-embed';
  readonly dim = 26;
  async embed(texts: string[]): Promise<Float32Array> {
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
