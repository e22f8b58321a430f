/** The real tiny test model: env SELFJ_TEST_MODEL, else ../shared/models/stories260K.gguf from the repo root. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const TEST_MODEL = resolve(repoRoot, process.env.SELFJ_TEST_MODEL ?? '../shared/models/stories260K.gguf');
export const haveTestModel = existsSync(TEST_MODEL);
export const TEST_MODEL_MISSING =
  `the test model ${TEST_MODEL} is missing: get it from the Hugging Face Hub (repo ggml-org/models, file ` +
  'tinyllamas/stories260K.gguf: `selfj pull ggml-org/models tinyllamas/stories260K.gguf`) and set SELFJ_TEST_MODEL';
