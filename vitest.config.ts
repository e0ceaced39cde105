import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos suite and the topologies have their own configurations
    // (npm run test:chaos, npm run test:topologies).
    // Suites with their own configurations: chaos, topologies, browser, multi-host and Slurm.
    exclude: [
      'test/chaos/**',
      'test/topologies/**',
      'test/browser/**',
      'test/hosts/**',
      'node_modules/**',
    ],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // rushnet's warnings are asserted through spies; keep the run's output readable.
    env: { RUSHNET_LOG_LEVEL: 'error' },
  },
});
