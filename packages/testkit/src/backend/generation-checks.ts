/** Generation checks: greedy determinism, maxTokens, seeded sampling, stop strings. */
import { expect, it } from 'vitest';
import type { Prompt } from '@selfj/core';
import { skipUnless } from '../checks.js';
import type { BackendHarness } from './options.js';

const PROMPT: Prompt = 'Once upon a time';
const NO_GENERATION = 'the backend does not generate text (options.generation: false)';

export function generationChecks(h: BackendHarness): void {
  it('greedy generation is deterministic (alone and concurrently) and respects maxTokens', async (ctx) => {
    skipUnless(ctx, h.claims().generation, NO_GENERATION);
    const b = h.backend();
    const a = await b.generate(PROMPT, { temperature: 0, maxTokens: 24 });
    const [x, y] = await Promise.all([b.generate(PROMPT, { temperature: 0, maxTokens: 24 }), b.generate(PROMPT, { temperature: 0, maxTokens: 24 })]);
    expect(a.text.length, 'some text').toBeGreaterThan(0);
    expect(x.text).toBe(a.text);
    expect(y.text).toBe(a.text);
    expect(['stop', 'length']).toContain(a.finishReason);
    if (a.tokens !== undefined) {
      expect(Number.isInteger(a.tokens)).toBe(true);
      expect(a.tokens).toBeLessThanOrEqual(24);
    }
    const short = await b.generate(PROMPT, { temperature: 0, maxTokens: 3 });
    if (short.tokens !== undefined) expect(short.tokens).toBeLessThanOrEqual(3);
    expect(short.text.length).toBeLessThanOrEqual(a.text.length);
    // Greedy decoding of the first 3 tokens is the start of the 24-token answer.
    expect(a.text.startsWith(short.text), `${JSON.stringify(short.text)} starts ${JSON.stringify(a.text)}`).toBe(true);
  }, h.timeout);

  it('sampling with a seed (temperature 1) gives the same text for the same seed', async (ctx) => {
    const c = h.claims();
    skipUnless(ctx, c.generation, NO_GENERATION);
    skipUnless(ctx, c.seededSampling, 'the author declares seeded sampling unsupported (options.seededSampling: false)');
    const b = h.backend();
    const o = { temperature: 1, topP: 1, maxTokens: 24, seed: 1234 };
    const a = await b.generate(PROMPT, o);
    const again = await b.generate(PROMPT, o);
    expect(again.text).toBe(a.text);
    expect(again.finishReason).toBe(a.finishReason);
  }, h.timeout);

  it('stop strings end the generation just before the stop text', async (ctx) => {
    skipUnless(ctx, h.claims().generation, NO_GENERATION);
    const b = h.backend();
    const free = await b.generate(PROMPT, { temperature: 0, maxTokens: 24 });
    const word = free.text.trim().split(/\s+/)[1];
    skipUnless(ctx, Boolean(word), `the greedy answer ${JSON.stringify(free.text)} has no second word to stop at`);
    const cut = await b.generate(PROMPT, { temperature: 0, maxTokens: 24, stop: [word] });
    expect(cut.text).toBe(free.text.slice(0, free.text.indexOf(word)));
    expect(cut.finishReason).toBe('stop');
  }, h.timeout);
}
