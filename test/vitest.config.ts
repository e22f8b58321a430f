import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // These tests spawn the real CLI and load a real model: on a busy 2-core machine a process start alone can take
    // seconds, so the default 5 s per test would fail for load, not for a bug.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // @selfj/native caches its per-machine ISA choice: a temp dir shared by the CLI processes a test starts (so they
    // all run each kernel on the same ISA, as on a user's machine), never the user's ~/.cache.
    env: { SELFJ_NATIVE_CACHE_DIR: process.env.SELFJ_NATIVE_CACHE_DIR ?? mkdtempSync(join(tmpdir(), 'selfj-native-cache-')) },
  },
});
