#!/usr/bin/env node
/**
 * The `rushnet` command line. Thin: each command calls the library.
 */
import { Command, InvalidArgumentError } from 'commander';
import { RushError } from '../errors.js';
import { startWorker } from '../workers/runtime.js';

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number of seconds >= 1');
  return n;
}

/** One line on stderr, no stack trace, and a non-zero exit. */
function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rushnet: ${message}\n`);
  process.exit(error instanceof RushError ? 1 : 70);
}

const program = new Command('rushnet')
  .description('Decentralized parallel computing over Redis')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (text, write) => write(text.split('\n')[0] + '\n') })
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

program
  .command('worker')
  .description('start one worker of a network (this is what workerScript() emits)')
  .requiredOption('--network <id>', 'network id')
  .option('--url <redis-url>', 'Redis URL (default: REDIS_URL, else redis://127.0.0.1:6379)')
  .option('--worker-id <id>', 'worker id (default: a new UUID)')
  .option('--heartbeat-period <s>', 'seconds between heartbeats', seconds)
  .option('--heartbeat-expire <s>', 'seconds a heartbeat lives', seconds)
  .option('--message-log <dir>', 'directory for message_<worker-id>.log (stderr and log messages)')
  .option('--output-log <dir>', 'directory for output_<worker-id>.log (stdout)')
  .action(async (options: Record<string, string | number | undefined>) => {
    try {
      const code = await startWorker({
        networkId: options.network as string,
        config: (options.url as string | undefined) ?? process.env.REDIS_URL,
        workerId: options.workerId as string | undefined,
        heartbeatPeriod: options.heartbeatPeriod as number | undefined,
        heartbeatExpire: options.heartbeatExpire as number | undefined,
        messageLog: options.messageLog as string | undefined,
        outputLog: options.outputLog as string | undefined,
      });
      process.exit(code);
    } catch (error) {
      fail(error);
    }
  });

await program.parseAsync();
