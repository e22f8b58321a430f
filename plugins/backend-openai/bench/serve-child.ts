/**
 * A `selfj serve` process for the benchmarks: startOpenAIServer over either the real tiny model (LlamaCppBackend)
 * or a backend that sleeps a fixed time per prompt (a server with a known capacity, for scale-out measurements).
 * Argument: JSON {kind: 'llama' | 'sleepy', model?, threads?, sequences?, contexts?, batchSize?, parallel?, delayMs?}.
 * Prints nothing; sends its base URL to the parent over IPC.
 */
import type { CandidateProbabilities, GenerateOptions, ModelBackend, Prompt } from '@selfj/core';
import { startOpenAIServer } from '@selfj/backend-openai';

interface ChildConfig {
  kind: 'llama' | 'sleepy';
  model?: string;
  threads?: number;
  sequences?: number;
  contexts?: number;
  batchSize?: number;
  parallel?: number;
  delayMs?: number;
}

/** Deterministic probabilities after a sleep per prompt: a model server whose speed is known exactly. */
class SleepyBackend implements ModelBackend {
  readonly id = 'sleepy:bench';
  constructor(private readonly delayMs: number) {}
  capabilities() {
    return { logprobs: 'full' as const, features: false, embeddings: false, chatTemplate: false, contextSize: 4096 };
  }
  private nap(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, this.delayMs);
      signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
  async generate(prompt: Prompt, o: GenerateOptions = {}) {
    await this.nap(o.signal);
    return { text: 'ok', tokens: 1, finishReason: 'stop' as const };
  }
  async nextTokenProbabilities(prompts: Prompt[], candidates: string[], o: { signal?: AbortSignal } = {}): Promise<CandidateProbabilities[]> {
    const out: CandidateProbabilities[] = [];
    for (const p of prompts) {
      await this.nap(o.signal);
      const text = typeof p === 'string' ? p : p.map((m) => m.content).join('\n');
      let h = 2166136261;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
      const w = candidates.map((_, i) => 1 + ((h >>> (i % 24)) & 7));
      const total = w.reduce((a, b) => a + b, 0);
      out.push({ probs: Object.fromEntries(candidates.map((c, i) => [c, w[i] / total])), coverage: 'full' });
    }
    return out;
  }
  async tokenize(text: string) {
    return [...text].map((c) => c.charCodeAt(0));
  }
  async close() {}
}

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
let backend: ModelBackend;
if (config.kind === 'llama') {
  const { LlamaCppBackend } = await import('@selfj/backend-llama-cpp');
  backend = await LlamaCppBackend.load(config.model!, { threads: config.threads ?? 1, sequences: config.sequences ?? 1, contexts: config.contexts ?? 1, batchSize: config.batchSize, contextSize: 512 });
} else {
  backend = new SleepyBackend(config.delayMs ?? 20);
}
const server = await startOpenAIServer({ backend, modelName: 'bench', parallel: config.parallel, maxPromptsPerRequest: 1024 });
process.send!(server.url);
process.on('disconnect', () => void server.close().then(() => backend.close()).then(() => process.exit(0)));
