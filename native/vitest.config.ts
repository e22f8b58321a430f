import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selfjTestConfig } from '../vitest.shared.ts';

// The shared test setup (see vitest.shared.ts at the repo root), with what the kernel tests need on top.
export default selfjTestConfig({
  include: ['test/**/*.test.ts'],
  // Child-process tests import dist/: compile ts/ once before any test file runs.
  globalSetup: ['test/global-setup.ts'],
  // Two shared cores: run files one after another so timings and child processes do not starve each other.
  fileParallelism: false,
  testTimeout: 120_000,
  // The measured-dispatch cache always goes to a fresh temp dir here (the dispatch tests own it; children inherit it).
  env: { SELFJ_NATIVE_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'selfj-native-cache-')) },
});
