import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Most test files wait on servers (Temporal, Chromium, child processes) more than they compute:
    // three at once keep a 2-core machine busy (vitest's default is one fewer than the cores).
    maxWorkers: 3,
  },
});
