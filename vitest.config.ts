import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // A bundle a test starts never gets the real HOME (its GPU lock and cache): test/own-home-guard.ts.
    setupFiles: ['test/own-home-guard.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests spawn real processes on a 2-core machine: keep parallelism modest.
    maxWorkers: 2,
  },
});
