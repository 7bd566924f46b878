import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Suites share one local broker and one Redis; files run in parallel but each uses its own
    // topics and key prefixes.
    fileParallelism: true,
    pool: 'forks',
  },
});
