import { defineConfig } from 'vitest/config';

/** The chaos suite: real networks under injected faults (`npm run test:chaos`). */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One scenario at a time: each runs several processes on a small machine.
    fileParallelism: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    env: { RUSHNET_LOG_LEVEL: 'error', RUSHNET_TEST_GUARD: 'off' },
  },
});
