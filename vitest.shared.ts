/**
 * The test setup every package's vitest config starts from (development setup: never shipped).
 *
 * Real models and data that are too large or not ours to commit live in ../shared beside the checkout; tests read
 * their paths only from these variables, which this setup sets when they are not set already:
 *   SELFJ_TEST_MODEL     a tiny real GGUF model (stories260K)
 *   SELFJ_TEST_VECTORS   real word vectors (GloVe, WVI8 table)
 *   SELFJ_TEST_FIXTURES  real GPT-4-rated data and references (JSONL files)
 * and SELFJ_NATIVE_CACHE_DIR a temporary directory, so tests never write the user's kernel dispatch cache.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

export const repoRoot = dirname(fileURLToPath(import.meta.url));
const shared = (p: string) => resolve(repoRoot, '../shared', p);

export function testEnv(): Record<string, string> {
  return {
    SELFJ_TEST_MODEL: process.env.SELFJ_TEST_MODEL ?? shared('models/stories260K.gguf'),
    SELFJ_TEST_VECTORS: process.env.SELFJ_TEST_VECTORS ?? shared('models/glove-20k-100d.i8.bin'),
    SELFJ_TEST_FIXTURES: process.env.SELFJ_TEST_FIXTURES ?? shared('fixtures'),
    SELFJ_NATIVE_CACHE_DIR: process.env.SELFJ_NATIVE_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'selfj-native-cache-')),
  };
}

type TestOptions = NonNullable<ViteUserConfig['test']>;

/**
 * A package's config: the shared environment, and generous timeouts (tests load real models and spawn the CLI; on
 * a busy 2-core machine vitest's 5 s default fails for load, not for a bug).
 */
export function selfjTestConfig(test: TestOptions = {}): ViteUserConfig {
  return defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000, ...test, env: { ...testEnv(), ...(test.env ?? {}) } } });
}
