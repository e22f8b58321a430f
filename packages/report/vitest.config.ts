import { defineConfig } from 'vitest/config';

// Reports render real figures (and the browser test starts Chromium): on a busy 2-core machine 5 s is too short.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });
