import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The shared real data and models live beside the repository in the dev setup (../shared). Tests read their paths
// from these variables only; shipped code never knows about ../shared.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = (p: string) => resolve(repoRoot, '../shared', p);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: {
      SELFJ_FIXTURES: process.env.SELFJ_FIXTURES ?? shared('fixtures'),
      SELFJ_TEST_MODEL: process.env.SELFJ_TEST_MODEL ?? shared('models/stories260K.gguf'),
      SELFJ_TEST_VECTORS: process.env.SELFJ_TEST_VECTORS ?? shared('models/glove-20k-100d.i8.bin'),
      // @selfj/native caches its per-machine ISA choice: a temp dir for the tests, never the user's ~/.cache.
      SELFJ_NATIVE_CACHE_DIR: process.env.SELFJ_NATIVE_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'selfj-native-cache-')),
    },
  },
});
