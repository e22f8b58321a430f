import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Reports render real figures (and the browser test starts Chromium): on a busy 2-core machine 5 s is too short.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // @selfj/native caches its per-machine ISA choice: a temp dir for the tests, never the user's ~/.cache.
    env: { SELFJ_NATIVE_CACHE_DIR: process.env.SELFJ_NATIVE_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'selfj-native-cache-')) },
  },
});
