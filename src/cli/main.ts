#!/usr/bin/env node
/**
 * The `rushnet` command line. Thin: each command lives in its own module and calls the library.
 * Bad arguments end with one line and exit code 2; failures with one line and exit code 1.
 */
import { Command } from 'commander';
import { logger } from '../logging/logger.js';
import { USAGE_ERROR } from './common.js';
import { demoCommand } from './demo.js';
import { exportCommand } from './export.js';
import { logsCommand } from './logs.js';
import { resetCommand } from './reset.js';
import { statusCommand } from './status.js';
import { stopCommand } from './stop.js';
import { workerCommand } from './worker.js';

// Commands report in plain lines; rushnet's JSON warnings would only repeat them.
if (!process.env.RUSHNET_LOG_LEVEL) logger.level = 'error';

const program = new Command('rushnet')
  .description('Decentralized parallel computing over Redis')
  .configureOutput({ outputError: (text, write) => write(`${text.trim().split('\n')[0]}\n`) })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR));

for (const add of [
  workerCommand,
  statusCommand,
  logsCommand,
  stopCommand,
  resetCommand,
  exportCommand,
  demoCommand,
]) {
  add(program);
}
// Subcommands inherit the one-line errors and the exit codes.
for (const command of program.commands) {
  command
    .configureOutput({ outputError: (text, write) => write(`${text.trim().split('\n')[0]}\n`) })
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : USAGE_ERROR));
}

await program.parseAsync();
