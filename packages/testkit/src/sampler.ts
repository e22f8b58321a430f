/**
 * The sampler conformance suite: n answers per request in order, valid finish reasons, the same answers for the
 * same seed, a per-request error for one bad request (the others still answered), a stable fingerprint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRequest, SampleSettings, SampledAnswer, Sampler } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS, expectJsonStable, expectSelfjError, skipUnless, thrown } from './checks.js';
import { DEFAULT_ITEMS } from './prompts.js';

export interface SamplerConformanceOptions {
  /** Requests to answer (at least 3; default: short instructions with seeds). */
  requests?: SampleRequest[];
  settings?: Partial<SampleSettings>;
  /** The same request seed gives the same answers (default true). */
  seeded?: boolean;
  /** A request the sampler rejects on its own (e.g. longer than the context): checked as a per-request error. */
  badRequest?: SampleRequest;
  timeoutMs?: number;
}

function answers(out: (SampledAnswer[] | Error)[], n: number, per: number): SampledAnswer[][] {
  expect(out.length, 'one result per request').toBe(n);
  return out.map((a, i) => {
    if (a instanceof Error) throw new Error(`request ${i} failed: ${a.message}`, { cause: a });
    expect(a.length, `request ${i}: n answers`).toBe(per);
    for (const s of a) {
      expect(typeof s.text).toBe('string');
      expect(['stop', 'length']).toContain(s.finishReason);
      if (s.tokens !== undefined) expect(Number.isInteger(s.tokens) && s.tokens >= 0).toBe(true);
    }
    return a;
  });
}

export function runSamplerConformance(name: string, make: () => Sampler | Promise<Sampler>, options: SamplerConformanceOptions = {}): void {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const requests = options.requests ?? DEFAULT_ITEMS.slice(0, 4).map((it, i) => ({ instruction: it.instruction, seed: 100 + i }));
  const settings: SampleSettings = { maxTokens: 16, temperature: 0.8, topP: 0.95, ...options.settings };
  let sampler: Sampler | undefined;
  const s = () => {
    if (!sampler) throw new Error(`sampler ${name} was not created (see the error of beforeAll)`);
    return sampler;
  };

  describe(`sampler conformance: ${name}`, () => {
    beforeAll(async () => {
      sampler = await make();
    }, timeout);
    afterAll(async () => {
      await sampler?.close?.();
    }, timeout);

    it('has an id and a JSON fingerprint that is the same each time', async () => {
      expect(s().id.length).toBeGreaterThan(0);
      const f = await s().fingerprint();
      expectJsonStable(f, 'fingerprint()');
      expect(await s().fingerprint()).toEqual(f);
    }, timeout);

    it('answers every request n times, in order; nothing for no requests', async () => {
      answers(await s().sample(requests, { ...settings, n: 2 }), requests.length, 2);
      answers(await s().sample(requests, settings), requests.length, 1);
      expect(await s().sample([], settings)).toEqual([]);
    }, timeout);

    it('the same seed gives the same answers, alone or in a batch', async (ctx) => {
      skipUnless(ctx, options.seeded ?? true, 'the author declares seeded sampling unsupported (options.seeded: false)');
      const a = answers(await s().sample(requests, { ...settings, n: 2 }), requests.length, 2);
      const b = answers(await s().sample(requests, { ...settings, n: 2 }), requests.length, 2);
      expect(b.map((x) => x.map((y) => y.text))).toEqual(a.map((x) => x.map((y) => y.text)));
      const [alone] = answers(await s().sample([requests[1]], { ...settings, n: 2 }), 1, 2);
      expect(alone.map((y) => y.text)).toEqual(a[1].map((y) => y.text));
    }, timeout);

    it('a bad request is that request\'s own error; the others are answered', async (ctx) => {
      skipUnless(ctx, options.badRequest !== undefined, 'no bad request given (options.badRequest)');
      const out = await s().sample([requests[0], options.badRequest!, requests[1]], settings);
      expect(out.length).toBe(3);
      expectSelfjError(out[1], ['BAD_RECORD', 'PROMPT_TOO_LONG', 'BAD_INPUT'], 'the bad request');
      answers([out[0], out[2]], 2, 1);
    }, timeout);

    it('an already-aborted signal rejects with SelfjError ABORTED', async () => {
      expectSelfjError(await thrown(() => s().sample(requests, settings, { signal: AbortSignal.abort() })), 'ABORTED', 'sample');
    }, timeout);
  });
}
