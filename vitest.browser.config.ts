import { defineConfig } from 'vitest/config';

/**
 * The browser suite (`npm run test:browser`): the dashboard in Debian's headless Chromium
 * (/usr/bin/chromium, or $CHROMIUM), on the same private redis-server setup as the main suite.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One browser at a time: the machine is small.
    fileParallelism: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    env: { RUSHNET_LOG_LEVEL: 'error' },
  },
});
