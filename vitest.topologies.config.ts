import { defineConfig } from 'vitest/config';

/**
 * Production topologies (`npm run test:topologies`): a Redis Cluster, a Sentinel-monitored
 * primary and TLS servers, each started by its test file on free loopback ports.
 */
export default defineConfig({
  test: {
    include: ['test/topologies/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One topology at a time: a cluster alone is six servers on a small machine.
    fileParallelism: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    env: { RUSHNET_LOG_LEVEL: 'error' },
  },
});
