/**
 * The backend conformance suite: every ModelBackend must pass it. Call `runBackendConformance(name, make, options)`
 * at the top level of a vitest test file; it registers one describe block. The backend is made once, shared by the
 * checks, and closed by the last check (which tests that close() is idempotent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelBackend } from '@selfj/core';
import { DEFAULT_TIMEOUT_MS } from '../checks.js';
import { generationChecks } from './generation-checks.js';
import { logprobChecks } from './logprob-checks.js';
import { resolveClaims, promptsOf, type BackendClaims, type BackendHarness, type ConformanceOptions } from './options.js';
import { closeCheck, robustnessChecks } from './robustness-checks.js';
import { vectorChecks } from './vector-checks.js';

export function runBackendConformance(
  name: string,
  makeBackend: () => ModelBackend | Promise<ModelBackend>,
  options: ConformanceOptions = {},
): void {
  let backend: ModelBackend | undefined;
  let claims: BackendClaims | undefined;
  const h: BackendHarness = {
    name,
    options,
    prompts: promptsOf(options),
    tol: options.batchTolerance ?? 1e-5,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    backend() {
      if (!backend) throw new Error(`backend ${name} was not created (see the error of beforeAll)`);
      return backend;
    },
    claims() {
      if (!claims) throw new Error(`backend ${name} was not created (see the error of beforeAll)`);
      return claims;
    },
  };

  describe(`backend conformance: ${name}`, () => {
    beforeAll(async () => {
      backend = await makeBackend();
      claims = resolveClaims(options, backend.capabilities());
    }, h.timeout);
    afterAll(async () => {
      await backend?.close();
    }, h.timeout);

    it('declares well-formed capabilities, and the ones it was tested for', () => {
      const b = h.backend();
      expect(typeof b.id).toBe('string');
      expect(b.id.length).toBeGreaterThan(0);
      const caps = b.capabilities();
      expect(['full', 'topK', 'none']).toContain(caps.logprobs);
      for (const f of ['features', 'embeddings', 'chatTemplate'] as const) expect(typeof caps[f], `capabilities().${f}`).toBe('boolean');
      if (caps.logprobs === 'topK') expect(Number.isInteger(caps.k) && caps.k! > 0, 'capabilities().k with logprobs "topK"').toBe(true);
      if (caps.contextSize !== undefined) expect(Number.isInteger(caps.contextSize) && caps.contextSize > 0).toBe(true);
      if (options.logprobs !== undefined) expect(caps.logprobs).toBe(options.logprobs);
      if (options.k !== undefined) expect(caps.k).toBe(options.k);
      if (options.features !== undefined && options.features) expect(caps.features).toBe(true);
      if (options.embeddings !== undefined && options.embeddings) expect(caps.embeddings).toBe(true);
      expect(b.capabilities(), 'capabilities() is stable').toEqual(caps);
    });

    logprobChecks(h);
    generationChecks(h);
    vectorChecks(h);
    robustnessChecks(h);
    closeCheck(h);
  });
}
