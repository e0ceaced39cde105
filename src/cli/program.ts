/**
 * The `rushnet` program: commander with one-line errors (exit code 2 for bad arguments) and the
 * commands it is given. Shared by the full command line (main.ts) and the worker's entry
 * (worker-main.ts, bundled into dist/worker-entry.js).
 */
import { Command } from 'commander';
import { logger } from '../logging/logger.js';
import { isClosedPipe, NETWORK_ENV, USAGE_ERROR } from './common.js';

/** Adds one command to the program. */
export type AddCommand = (program: Command) => void;

export interface ProgramOptions {
  /** What `--version` prints (the full command line only). */
  version?: string;
  /**
   * The worker's entry: its warnings stay on (a worker on a remote host has no other voice),
   * and a closed stdout does not end it (its loop's output is lost, its tasks are not).
   */
  worker?: boolean;
}

/** Builds the program with these commands and runs it on `process.argv`. */
export async function runProgram(
  commands: readonly AddCommand[],
  options: ProgramOptions = {},
): Promise<void> {
  // Commands report in plain lines; rushnet's JSON warnings would only repeat them.
  if (!process.env.RUSHNET_LOG_LEVEL && !options.worker) logger.level = 'error';
  // An empty RUSHNET_NETWORK is no default, not an empty network id.
  if (process.env[NETWORK_ENV] === '') delete process.env[NETWORK_ENV];
  // `rushnet export … | head -1`: the reader has what it wanted, so end quietly (exit 0).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (!isClosedPipe(error)) throw error;
      if (!options.worker && stream === process.stdout) process.exit(0);
    });
  }

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
  if (options.version) program.version(options.version, '-V, --version', 'print the version');
  for (const add of commands) add(program);
  // Subcommands share the one-line errors and the exit codes.
  for (const command of program.commands) command.configureOutput(oneLine).exitOverride(exitCode);

  await program.parseAsync();
}
