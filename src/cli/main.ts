#!/usr/bin/env node
/**
 * The `rushnet` command line. Thin: each command lives in its own module and calls the library.
 * Bad arguments end with one line and exit code 2; failures with one line and exit code 1.
 */
import { Command } from 'commander';
import { logger } from '../logging/logger.js';
import { USAGE_ERROR } from './common.js';

// Commands report in plain lines; rushnet's JSON warnings would only repeat them.
if (!process.env.RUSHNET_LOG_LEVEL) logger.level = 'error';

const oneLine = {
  outputError: (text: string, write: (text: string) => void) =>
    write(`${text.trim().split('\n')[0]}\n`),
};
const exitCode = (error: { exitCode: number }) =>
  process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR);

const program = new Command('rushnet')
  .description('Decentralized parallel computing over Redis')
  .configureOutput(oneLine)
  .exitOverride(exitCode);

// A worker process loads only what a worker needs: it starts faster.
const modules =
  process.argv[2] === 'worker'
    ? [import('./worker.js').then((m) => m.workerCommand)]
    : [
        import('./worker.js').then((m) => m.workerCommand),
        import('./status.js').then((m) => m.statusCommand),
        import('./logs.js').then((m) => m.logsCommand),
        import('./stop.js').then((m) => m.stopCommand),
        import('./reset.js').then((m) => m.resetCommand),
        import('./export.js').then((m) => m.exportCommand),
        import('./demo.js').then((m) => m.demoCommand),
        import('./dashboard.js').then((m) => m.dashboardCommand),
      ];
for (const add of await Promise.all(modules)) add(program);
// Subcommands share the one-line errors and the exit codes.
for (const command of program.commands) command.configureOutput(oneLine).exitOverride(exitCode);

await program.parseAsync();
