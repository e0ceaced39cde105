import { defineConfig } from 'vitest/config';

/**
 * The host tests (`npm run test:hosts`): SSH workers on hosts simulated with network
 * namespaces, and Slurm workers on a real single-node Slurm. They need root, openssh-server,
 * slurmd/slurmctld/munge and a build (`npm run build`); they skip themselves, saying why, when
 * something is missing.
 */
export default defineConfig({
  test: {
    include: ['test/hosts/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One at a time: each runs daemons and several workers on a small machine.
    fileParallelism: false,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    env: { RUSHNET_LOG_LEVEL: 'error', RUSHNET_HOSTS_TESTS: '1' },
  },
});
