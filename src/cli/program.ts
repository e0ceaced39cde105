/**
 * The `rushnet` program: commander with one-line errors (exit code 2 for bad arguments) and the
 * commands it is given. Shared by the full command line (main.ts) and the worker's entry
 * (worker-main.ts, bundled into dist/worker-entry.js).
 */
import { Command } from 'commander';
import { logger } from '../logging/logger.js';
import { USAGE_ERROR } from './common.js';

/** Adds one command to the program. */
export type AddCommand = (program: Command) => void;

/** Builds the program with these commands and runs it on `process.argv`. */
export async function runProgram(commands: readonly AddCommand[]): Promise<void> {
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
  for (const add of commands) add(program);
  // Subcommands share the one-line errors and the exit codes.
  for (const command of program.commands) command.configureOutput(oneLine).exitOverride(exitCode);

  await program.parseAsync();
}
