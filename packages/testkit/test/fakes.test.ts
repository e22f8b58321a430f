/**
 * The in-repo fakes that the engine tests run on pass the kit, and so do the built-in Sampler, Judge and
 * Similarity over them: what the engine tests assume of a backend is what the contract promises. The built-ins
 * come from core's sources, like the fakes (one copy of SelfjError on both sides).
 */
import { BackendSampler, DEFAULT_TEMPLATES, EmbedderSimilarity } from '../../core/src/stages/index.js';
import { ZeroShotJudge } from '../../core/src/judge/index.js';
import { FakeBackend, FakeEmbedder } from '../../core/test/engine-fake.js';
import { expect, it } from 'vitest';
import { runBackendConformance, runEmbedderConformance, runJudgeConformance, runSamplerConformance, runSimilarityConformance } from '../src/index.js';

/** What the suite is told FakeBackend claims; the engine tests rely on the same. */
const FAKE_CLAIMS = { logprobs: 'full', features: true, embeddings: false } as const;

it('FakeBackend declares the capabilities the suite checks it for (a fake that drifts from them fails here)', () => {
  expect(new FakeBackend(16).capabilities()).toMatchObject(FAKE_CLAIMS);
});

runBackendConformance('FakeBackend (core engine tests)', () => new FakeBackend(16), FAKE_CLAIMS);

runEmbedderConformance('FakeEmbedder (core engine tests)', () => new FakeEmbedder());

runSamplerConformance('built-in sampler over FakeBackend', () => new BackendSampler(new FakeBackend(8), DEFAULT_TEMPLATES.sample), {
  badRequest: { instruction: 'x'.repeat(FakeBackend.contextSize), seed: 1 },
});

runJudgeConformance('built-in zero-shot judge over FakeBackend', () => new ZeroShotJudge(new FakeBackend(8), DEFAULT_TEMPLATES.referenceFree));

runSimilarityConformance('built-in embedder similarity over FakeEmbedder', () => new EmbedderSimilarity(new FakeEmbedder()));
