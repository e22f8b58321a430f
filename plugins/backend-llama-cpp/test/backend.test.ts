/** LlamaCppBackend specifics on the real tiny model (the shared behaviour is in test/conformance). */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PluginRegistry, isSelfjError } from '@selfj/core';
import { scoreDigits } from '@selfj/core/stages';
import { LlamaCppBackend } from '../src/backend.js';
import { testModelPath } from './model.js';

const T = 180_000;
let backend: LlamaCppBackend;
let root: string;

beforeAll(async () => {
  backend = await LlamaCppBackend.load(testModelPath(), { gpu: false, contextSize: 256, sequences: 3, threads: 1 });
  root = await mkdtemp(join(tmpdir(), 'selfj-llama-'));
}, T);
afterAll(async () => {
  await backend?.close();
  await rm(root, { recursive: true, force: true });
});

describe('loading: typed errors, the process stays up', () => {
  it('missing file -> NOT_FOUND with a pull hint', async () => {
    const e = await LlamaCppBackend.load(join(root, 'nope.gguf')).catch((x) => x);
    expect(isSelfjError(e, 'NOT_FOUND')).toBe(true);
    expect(e.message).toContain('selfj pull');
  });
  it('non-GGUF file -> MODEL_NOT_SUPPORTED', async () => {
    await writeFile(join(root, 'x.gguf'), '{"not": "a model"}');
    const e = await LlamaCppBackend.load(join(root, 'x.gguf')).catch((x) => x);
    expect(isSelfjError(e, 'MODEL_NOT_SUPPORTED')).toBe(true);
  });
  it('truncated GGUF -> MODEL_LOAD_FAILED', async () => {
    const data = await readFile(testModelPath());
    await writeFile(join(root, 'cut.gguf'), data.subarray(0, data.length >> 1));
    const e = await LlamaCppBackend.load(join(root, 'cut.gguf'), { gpu: false }).catch((x) => x);
    expect(isSelfjError(e, 'MODEL_LOAD_FAILED')).toBe(true);
    expect(e.message).toMatch(/truncated or corrupt/);
  }, T);
});

describe('prompts and candidates', () => {
  it('reports capabilities and runtime settings', () => {
    expect(backend.capabilities()).toEqual({ logprobs: 'full', features: true, embeddings: true, chatTemplate: false, contextSize: 256 });
    expect(backend.runtimeInfo()).toMatchObject({ gpu: false, threads: 1, sequences: 3, vocabSize: 512 });
  });

  it('resolves a candidate only when it is one token after the prompt', async () => {
    // this SentencePiece vocabulary has "7" but no "▁7": " 7" after a prompt is two tokens
    const [r] = await backend.nextTokenProbabilities(['The score is'], ['7', ' 7', ' the', 'xyzzy']);
    expect(r.probs['7']).toBeGreaterThan(0);
    expect(r.probs[' 7']).toBeUndefined();
    expect(r.probs[' the']).toBeGreaterThan(0);
    expect(r.probs.xyzzy).toBeUndefined();
    expect(r.ids?.['7']).toBe((await backend.tokenize('x7')).at(-1));
  }, T);

  it('renders chat messages (general template here) and rejects malformed ones', async () => {
    const chat = [{ role: 'user' as const, content: 'Rate this story from 0 to 9: Lily had a red ball.' }];
    const [s] = await scoreDigits(backend, [chat]);
    expect(s.digitMass).toBeGreaterThan(0);
    const g = await backend.generate(chat, { maxTokens: 5 });
    expect(g.tokens).toBeLessThanOrEqual(5);
    expect(g.promptTokens).toBe(backend.prepare(chat).tokens.length); // the rendered prompt, BOS and template included
    const e = await backend.generate([{ role: 'robot', content: 'x' }] as never).catch((x) => x);
    expect(isSelfjError(e, 'BAD_INPUT')).toBe(true);
    expect(isSelfjError(await backend.generate([]).catch((x) => x), 'BAD_INPUT')).toBe(true);
  }, T);

  it('evaluates many prompts concurrently with the same results as one by one', async () => {
    const prompts = Array.from({ length: 9 }, (_, i) => `Tim had ${i} apples. Score:`);
    const together = await backend.nextTokenProbabilities(prompts, ['1', '2']);
    for (let i = 0; i < prompts.length; i += 4) {
      const [alone] = await backend.nextTokenProbabilities([prompts[i]], ['1', '2']);
      expect(Math.abs(alone.probs['1']! - together[i].probs['1']!)).toBeLessThan(1e-6);
    }
  }, T);

  it('several contexts give exactly the results of one context (each decodes its prompt alone)', async () => {
    const one = await LlamaCppBackend.load(testModelPath(), { gpu: false, contextSize: 256, threads: 1 });
    const two = await LlamaCppBackend.load(testModelPath(), { gpu: false, contextSize: 256, threads: 1, contexts: 2 });
    try {
      expect(two.runtimeInfo()).toMatchObject({ sequences: 1, contexts: 2, concurrency: 2 });
      const prompts = Array.from({ length: 6 }, (_, i) => `Sue found ${i} shells on the beach. Score:`);
      const digits = ['1', '2', '3'];
      expect(await two.nextTokenProbabilities(prompts, digits)).toEqual(await one.nextTokenProbabilities(prompts, digits));
      const gen = (b: LlamaCppBackend) => Promise.all(prompts.slice(0, 4).map((p) => b.generate(p, { maxTokens: 12, temperature: 0 })));
      expect((await gen(two)).map((g) => g.text)).toEqual((await gen(one)).map((g) => g.text));
      const cont = prompts.slice(0, 3).map((p) => ({ prompt: p, continuation: ' 7 because it is kind.' }));
      expect(await two.scoreContinuation(cont)).toEqual(await one.scoreContinuation(cont));
    } finally {
      await one.close();
      await two.close();
    }
  }, T);

  it('sampling with a seed is reproducible; different seeds differ', async () => {
    const o = { temperature: 1.2, topP: 0.95, topK: 40, maxTokens: 24 };
    const a = await backend.generate('Once upon a time', { ...o, seed: 7 });
    const b = await backend.generate('Once upon a time', { ...o, seed: 7 });
    expect(b.text).toBe(a.text);
    const others = await Promise.all([8, 9, 10].map((seed) => backend.generate('Once upon a time', { ...o, seed })));
    expect(others.some((x) => x.text !== a.text)).toBe(true);
  }, T);

  it('PROMPT_TOO_LONG says what to do', async () => {
    const e = await backend.nextTokenProbabilities(['word '.repeat(400)], ['1']).catch((x) => x);
    expect(isSelfjError(e, 'PROMPT_TOO_LONG')).toBe(true);
    expect(e.message).toMatch(/Raise contextSize/);
    expect(e.details.contextSize).toBe(256);
  });

  it('features: the last prompt token hidden state (64-d here), which depends on the last token', async () => {
    const [a, b, c] = await backend.features(['Lily had a ball', 'Lily had a ball', 'Lily had a bal']);
    expect(a.length).toBe(64);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    const [e] = await backend.embed(['Lily had a ball']);
    let n = 0;
    for (const x of e) n += x * x;
    expect(Math.sqrt(n)).toBeCloseTo(1, 5);
  }, T);

  it('topTokens marks EOS as eog and decodes in context', async () => {
    const all = await backend.topTokens('Once upon a time', Infinity);
    expect(all.length).toBe(512);
    expect(all.find((t) => t.id === backend.model.tokens.eos)?.eog).toBe(true);
    expect(all.some((t) => t.token.startsWith(' '))).toBe(true);
  }, T);
});

describe('plugin registry', () => {
  it('createBackend("llama-cpp:<path>") loads this package by name', async () => {
    const b = await new PluginRegistry().createBackend(`llama-cpp:${testModelPath()}`, { gpu: false, contextSize: 128, sequences: 1, threads: 1 });
    try {
      expect(b.id).toBe(`llama-cpp:${testModelPath()}`);
      expect((await b.tokenize('hi')).length).toBeGreaterThan(0);
    } finally {
      await b.close();
    }
  }, T);
});
