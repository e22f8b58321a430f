import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Child-process tests import dist/: compile ts/ once before any test file runs.
    globalSetup: ['test/global-setup.ts'],
    // Two shared cores: run files one after another so timings and child processes do not starve each other.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The measured-dispatch cache goes to a fresh temp dir, never the user's ~/.cache (children inherit this).
    env: { SELFJ_NATIVE_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'selfj-native-cache-')) },
  },
});
