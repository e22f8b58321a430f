import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  test: {
    // Real external data for tests (read-only, next to the repository in the dev setup); tests read the folder from
    // SELFJ_FIXTURES and skip, saying how to get the files, where it is missing. Shipped code never reads it.
    env: {
      SELFJ_FIXTURES: process.env.SELFJ_FIXTURES ?? resolve(here, '../../../shared/fixtures'),
      // @selfj/native caches its per-machine ISA choice: a temp dir for the tests, never the user's ~/.cache.
      SELFJ_NATIVE_CACHE_DIR: process.env.SELFJ_NATIVE_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'selfj-native-cache-')),
    },
  },
});
