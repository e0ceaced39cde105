#!/usr/bin/env node
/**
 * The `rushnet` command line. Thin: each command lives in its own module and calls the library.
 * Bad arguments end with one line and exit code 2; failures with one line and exit code 1.
 */
import { existsSync, readFileSync } from 'node:fs';
import { FROM_SOURCES } from '../module-paths.js';

if (process.argv[2] === 'worker') {
  // A worker process loads only what a worker needs: the one-file bundle when the build made
  // it (dist/worker-entry.js), else the worker's modules.
  const bundle = new URL('../worker-entry.js', import.meta.url);
  await import(!FROM_SOURCES && existsSync(bundle) ? bundle.href : './worker-main.js');
} else {
  const { runProgram } = await import('./program.js');
  // package.json is two levels up from both src/cli/ and dist/cli/.
  const { version } = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  await runProgram(
    await Promise.all([
      import('./worker.js').then((m) => m.workerCommand),
      import('./status.js').then((m) => m.statusCommand),
      import('./logs.js').then((m) => m.logsCommand),
      import('./stop.js').then((m) => m.stopCommand),
      import('./reset.js').then((m) => m.resetCommand),
      import('./export.js').then((m) => m.exportCommand),
      import('./demo.js').then((m) => m.demoCommand),
      import('./dashboard.js').then((m) => m.dashboardCommand),
      import('./metrics.js').then((m) => m.metricsCommand),
      import('./redis.js').then((m) => m.redisCommand),
    ]),
    { version },
  );
}
