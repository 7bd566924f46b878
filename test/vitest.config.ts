import { defineConfig } from 'vitest/config';
import { APACHE_ONLY_SUITES } from './kafka-suites.js';

export default defineConfig({
  // `.lua` files are imported as their text, as esbuild's text loader does in the Lambda bundles.
  plugins: [
    {
      name: 'lua-text',
      transform: (code, id) =>
        id.endsWith('.lua') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined,
    },
  ],
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', APACHE_ONLY_SUITES],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/stack-env.ts'],
    testTimeout: 30_000,
    // The service logs JSON lines at INFO; tests show only what went wrong.
    env: { POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_DEV: 'false' },
    hookTimeout: 120_000,
    // Suites share one local broker and one Redis; files run in parallel but each uses its own
    // topics and key prefixes.
    fileParallelism: true,
    pool: 'forks',
  },
});
