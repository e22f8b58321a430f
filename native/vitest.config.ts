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
  },
});
