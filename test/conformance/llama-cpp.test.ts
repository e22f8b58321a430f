/** The conformance suite on the in-process llama.cpp backend with the real tiny model. */
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';
import { runBackendConformance } from './suite.js';
import { testModelPath } from './test-model.js';

const modelPath = testModelPath();

// threads: 1 by default here: the 2 shared cores are oversubscribed during test runs, and llama.cpp's thread
// barriers spin (SELFJ_TEST_THREADS overrides).
const threads = Number(process.env.SELFJ_TEST_THREADS ?? 1);

runBackendConformance('llama-cpp', () => LlamaCppBackend.load(modelPath, { contextSize: 512, sequences: 4, threads }), {
  logprobs: 'full',
  features: true,
  embeddings: true,
});
