/** scoreContinuation on the real tiny model: checked against the backend's own next-token distributions. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSelfjError } from '@selfj/core';
import { LlamaCppBackend } from '../src/backend.js';
import { continuationTokens } from '../src/continuation.js';
import { testModelPath } from './model.js';

const T = 180_000;
let backend: LlamaCppBackend;

beforeAll(async () => {
  backend = await LlamaCppBackend.load(testModelPath(), { gpu: false, contextSize: 128, sequences: 2, threads: 1, batchSize: 64 });
}, T);
afterAll(async () => backend?.close());

describe('scoreContinuation', () => {
  it('equals the sum of log p(token | everything before it), read one position at a time', async () => {
    const prompt = 'Once upon a time';
    const continuation = ', there was a little girl named Lily.';
    const [r] = await backend.scoreContinuation([{ prompt, continuation }]);
    const { tokens, start } = continuationTokens(backend.model, backend.prepare(prompt), continuation);
    expect(r.tokens).toBe(tokens.length - start);
    expect(r.tokens).toBeGreaterThan(5);
    let expected = 0;
    for (let i = start; i < tokens.length; i++) {
      const dist = await backend.distribution(tokens.slice(0, i));
      expected += Math.log(dist.get(tokens[i])!);
    }
    expect(r.logprob).toBeLessThan(0);
    expect(r.logprob).toBeCloseTo(expected, 4);
  }, T);

  it('a fluent continuation is more likely per token than the same words shuffled', async () => {
    const prompt = 'Once upon a time';
    const [fluent, shuffled] = await backend.scoreContinuation([
      { prompt, continuation: ', there was a little girl named Lily. She loved to play outside.' },
      { prompt, continuation: ' outside play Lily girl, loved little She named to there a was.' },
    ]);
    expect(fluent.logprob / fluent.tokens).toBeGreaterThan(shuffled.logprob / shuffled.tokens + 1);
  }, T);

  it('batched and concurrent scoring gives the results of one-by-one scoring', async () => {
    const items = ['The cat sat', 'Tom had a big red ball', 'Lily went to the park'].map((p, i) => ({ prompt: p, continuation: [' on the mat.', ' and he liked it.', ' with her mom.'][i] }));
    const together = await backend.scoreContinuation(items);
    for (let i = 0; i < items.length; i++) {
      const [alone] = await backend.scoreContinuation([items[i]]);
      expect(together[i].tokens).toBe(alone.tokens);
      expect(together[i].logprob).toBeCloseTo(alone.logprob, 6);
    }
  }, T);

  it('an empty continuation has no tokens; one too long for the context is PROMPT_TOO_LONG', async () => {
    const [empty] = await backend.scoreContinuation([{ prompt: 'Once upon a time', continuation: '' }]);
    expect(empty).toEqual({ logprob: 0, tokens: 0 });
    const e = await backend.scoreContinuation([{ prompt: 'Once upon a time', continuation: ' and then'.repeat(300) }]).catch((x) => x);
    expect(isSelfjError(e, 'PROMPT_TOO_LONG')).toBe(true);
    expect(e.message).toContain(`the context holds ${backend.capabilities().contextSize}`);
  }, T);

  it('chat prompts are scored after the rendered assistant turn', async () => {
    const [r] = await backend.scoreContinuation([{ prompt: [{ role: 'user', content: 'Tell me a story.' }], continuation: 'Once upon a time there was a dog.' }]);
    expect(r.tokens).toBeGreaterThan(3);
    expect(Number.isFinite(r.logprob)).toBe(true);
  }, T);
});
