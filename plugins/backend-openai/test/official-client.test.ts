/**
 * `selfj serve` driven by the official `openai` npm client, over the real tiny model (LlamaCppBackend): chat with
 * log-probs for every generated token (top_logprobs 20), streaming, completions with log-probs, echo (the prompt's
 * own log-likelihood, checked against the in-process backend's probabilities), embeddings, and errors.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { createOpenAIBackend, startOpenAIServer, type OpenAIServer } from '../src/index.js';
import { TEST_MODEL, TEST_MODEL_MISSING, haveTestModel } from './model.js';

let backend: LlamaCppBackend;
let server: OpenAIServer;
let client: OpenAI;

describe.skipIf(!haveTestModel)(`the official openai client against selfj serve${haveTestModel ? '' : ` (skipped: ${TEST_MODEL_MISSING})`}`, () => {
  beforeAll(async () => {
    backend = await LlamaCppBackend.load(TEST_MODEL, { contextSize: 512, threads: 1 });
    server = await startOpenAIServer({ backend, modelName: 'stories260K', maxBodyBytes: 64 * 1024 });
    client = new OpenAI({ baseURL: server.url, apiKey: 'unused', maxRetries: 0 });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await backend?.close();
  });

  const messages = [{ role: 'user' as const, content: 'Tell me a story about a cat.' }];

  it('chat: log-probs and 20 alternatives for every generated token; greedy text equals the plain answer', async () => {
    const plain = await client.chat.completions.create({ model: 'stories260K', messages, max_tokens: 12, temperature: 0 });
    const r = await client.chat.completions.create({ model: 'stories260K', messages, max_tokens: 12, temperature: 0, logprobs: true, top_logprobs: 20 });
    const content = r.choices[0].logprobs!.content!;
    expect(content.length).toBe(r.usage!.completion_tokens);
    expect(content.length).toBeGreaterThan(1);
    for (const t of content) {
      expect(t.top_logprobs).toHaveLength(20);
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.top_logprobs[0].logprob).toBe(t.logprob); // greedy: the chosen token is the likeliest
      for (let i = 1; i < 20; i++) expect(t.top_logprobs[i].logprob).toBeLessThanOrEqual(t.top_logprobs[i - 1].logprob);
    }
    expect(r.choices[0].message.content).toBe(plain.choices[0].message.content);
    expect(content.map((t) => t.token).join('').trim()).toBe(plain.choices[0].message.content!.trim());
    // usage.prompt_tokens: the prompt as the model read it (template, BOS), with and without log-probs
    const read = backend.prepare(messages).tokens.length;
    expect(plain.usage!.prompt_tokens).toBe(read);
    expect(r.usage!.prompt_tokens).toBe(read);
  }, 60_000);

  it('the OpenAI backend reports the prompt tokens the server read (usage.prompt_tokens)', async () => {
    const remote = await createOpenAIBackend(`${server.url}#stories260K`, { env: {} });
    try {
      const g = await remote.generate(messages, { maxTokens: 4, temperature: 0 });
      expect(g.promptTokens).toBe(backend.prepare(messages).tokens.length);
      expect(g.promptTokens).toBe((await backend.generate(messages, { maxTokens: 4, temperature: 0 })).promptTokens);
    } finally {
      await remote.close();
    }
  }, 60_000);

  it('chat streaming with log-probs assembles to the same answer', async () => {
    const full = await client.chat.completions.create({ model: 'stories260K', messages, max_tokens: 6, temperature: 0, logprobs: true, top_logprobs: 2 });
    const stream = await client.chat.completions.create({ model: 'stories260K', messages, max_tokens: 6, temperature: 0, logprobs: true, top_logprobs: 2, stream: true });
    let text = '';
    const tokens: string[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      for (const t of chunk.choices[0]?.logprobs?.content ?? []) tokens.push(t.token);
    }
    expect(text).toBe(full.choices[0].message.content);
    expect(tokens).toEqual(full.choices[0].logprobs!.content!.map((t) => t.token));
  }, 60_000);

  it('completions: log-probs for every generated token', async () => {
    const r = await client.completions.create({ model: 'stories260K', prompt: 'Once upon a time', max_tokens: 8, temperature: 0, logprobs: 5 });
    const lp = r.choices[0].logprobs!;
    expect(lp.tokens!.length).toBe(8);
    expect(lp.token_logprobs!.every((x) => typeof x === 'number' && x <= 0)).toBe(true);
    expect(lp.top_logprobs!.every((m) => Object.keys(m!).length >= 1 && Object.keys(m!).length <= 5)).toBe(true);
    expect(r.choices[0].text).toBe((await backend.generate('Once upon a time', { maxTokens: 8, temperature: 0 })).text);
  }, 60_000);

  it('echo with log-probs gives the prompt\'s own log-likelihood (equal to the in-process probabilities)', async () => {
    const prompt = 'Once upon a time there was a little cat';
    const r = await client.completions.create({ model: 'stories260K', prompt, max_tokens: 0, echo: true, logprobs: 1 });
    const lp = r.choices[0].logprobs!;
    expect(r.choices[0].text).toBe(prompt);
    expect(lp.tokens!.join('').trim()).toBe(prompt);
    expect(lp.token_logprobs![0]).toBeNull();
    expect(lp.top_logprobs![0]).toBeNull();
    // Each later token's probability given the prompt text before it, from the backend in-process.
    let checked = 0;
    for (let i = 1; i < lp.tokens!.length; i++) {
      const offset = lp.text_offset![i];
      const [want] = await backend.nextTokenProbabilities([prompt.slice(0, offset)], [lp.tokens![i]]);
      const p = want.probs[lp.tokens![i]];
      if (p === undefined) continue; // that text is not one token after this prefix
      expect(Math.exp(lp.token_logprobs![i]!)).toBeCloseTo(p, 9);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(lp.tokens!.length - 2);
    // Echo plus generation: the prompt's tokens, then the generated ones.
    const more = await client.completions.create({ model: 'stories260K', prompt, max_tokens: 3, echo: true, logprobs: 0, temperature: 0 });
    expect(more.choices[0].logprobs!.tokens!.length).toBe(lp.tokens!.length + 3);
    expect(more.choices[0].text.startsWith(prompt)).toBe(true);
  }, 60_000);

  it('embeddings, and errors as the client\'s typed exceptions', async () => {
    const e = await client.embeddings.create({ model: 'stories260K', input: ['a cat', 'a dog'] });
    expect(e.data).toHaveLength(2);
    expect(e.data[0].embedding.length).toBeGreaterThan(0);
    await expect(client.completions.create({ model: 'stories260K', prompt: 'x', max_tokens: 1.5 })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(client.completions.create({ model: 'nope', prompt: 'x' })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const big = await client.completions.create({ model: 'stories260K', prompt: 'x'.repeat(100_000), max_tokens: 1 }).catch((err: unknown) => err);
    expect(big).toBeInstanceOf(OpenAI.APIError);
    expect((big as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
    await expect(client.models.retrieve('%E0%A4%A')).rejects.toBeInstanceOf(OpenAI.APIError);
    expect((await client.models.list()).data[0].id).toBe('stories260K');
  }, 60_000);
});
