import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // These tests spawn the real CLI and load a real model: on a busy 2-core machine a process start alone can take
    // seconds, so the default 5 s per test would fail for load, not for a bug.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
