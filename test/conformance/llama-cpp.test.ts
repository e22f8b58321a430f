/**
 * The conformance suites on the in-process llama.cpp backend with the real tiny model: the backend itself, and the
 * built-in sampler and zero-shot judge over it (what `selfj sample` and `selfj judge` run).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { BackendSampler, DEFAULT_TEMPLATES } from '@selfj/core/stages';
import { ZeroShotJudge } from '@selfj/core/judge';
import { runJudgeConformance, runSamplerConformance } from '@selfj/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFORMANCE_PROMPTS, runBackendConformance } from './suite.js';
import { testModelPath } from './test-model.js';

const modelPath = testModelPath();

// The checks themselves live in @selfj/testkit; this one guards what they run on: a real GGUF file, not a stand-in.
describe('llama-cpp conformance setup', () => {
  it('the test model is a GGUF file', () => {
    const fd = openSync(modelPath, 'r');
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
    expect(magic.toString('latin1')).toBe('GGUF');
  });
});

// threads: 1 by default here: the 2 shared cores are oversubscribed during test runs, and llama.cpp's thread
// barriers spin (SELFJ_TEST_THREADS overrides).
const threads = Number(process.env.SELFJ_TEST_THREADS ?? 1);

// Four long prompts (~300 tokens, more than batchSize / sequences = 128): they are cut into several decode steps,
// so the batch-1-vs-16 check also covers how prompts are split while others run.
const story = 'Lily and her mom went to the park. They saw a big dog and a little bird. ';
const long = [0, 1, 2, 3].map((i) => `${story.repeat(7)}How good is this story (${i})? Answer with one digit from 0 to 9.\nScore: `);

runBackendConformance('llama-cpp', () => LlamaCppBackend.load(modelPath, { contextSize: 512, batchSize: 512, threads }), {
  prompts: [...DEFAULT_CONFORMANCE_PROMPTS.slice(0, 12), ...long],
  logprobs: 'full',
  features: true,
  embeddings: true,
});

// One more model instance for the built-ins (the backend suite above closes its own).
let shared: Promise<LlamaCppBackend> | undefined;
const sharedBackend = () => (shared ??= LlamaCppBackend.load(modelPath, { contextSize: 256, threads }));

runSamplerConformance('built-in sampler over llama-cpp', async () => new BackendSampler(await sharedBackend(), DEFAULT_TEMPLATES.sample), {
  badRequest: { instruction: 'the cat sat on the mat and '.repeat(200), seed: 1 },
});

runJudgeConformance('built-in zero-shot judge over llama-cpp', async () => new ZeroShotJudge(await sharedBackend(), DEFAULT_TEMPLATES.referenceFree));

afterAll(async () => {
  await (await shared)?.close();
});
