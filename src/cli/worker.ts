/** `rushnet worker`: runs one worker of a network (what workerScript() emits), or `--count` of them. */
import type { Command } from 'commander';
import { startWorker } from '../workers/runtime.js';
import {
  action,
  type ConnectionFlags,
  cliConfig,
  directory,
  networkId,
  positiveInteger,
  seconds,
  withUrl,
  workerId,
} from './common.js';

export function workerCommand(program: Command): void {
  withUrl(
    program
      .command('worker')
      .description('start one worker of a network (this is what workerScript() emits)')
      .requiredOption('--network <id>', 'network id', networkId),
  )
    .option(
      '--worker-id <id>',
      'worker id (default: a new UUID); repeat it to name the workers of --count',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), workerId(value)],
    )
    .option(
      '--count <n>',
      'run n workers in this process, each its own connection and heartbeat (default: 1, or one per --worker-id)',
      positiveInteger,
    )
    .option('--config <id>', 'stored worker configuration to run (default: the latest)')
    .option('--heartbeat-period <s>', 'seconds between heartbeats', seconds)
    .option('--heartbeat-expire <s>', 'seconds a heartbeat lives', seconds)
    .option(
      '--message-log <dir>',
      'directory for message_<worker-id>.log (stderr and log messages)',
      directory,
    )
    .option('--output-log <dir>', 'directory for output_<worker-id>.log (stdout)', directory)
    .option(
      '--insecure',
      'run the stored configuration without checking its signature (anyone who can write to Redis could run code here)',
    )
    .action(
      action(
        async (
          options: ConnectionFlags & {
            network: string;
            workerId?: string[];
            count?: number;
            config?: string;
            heartbeatPeriod?: number;
            heartbeatExpire?: number;
            messageLog?: string;
            outputLog?: string;
            insecure?: boolean;
          },
        ) => {
          // The key comes from RUSHNET_SECRET only: a flag would show it in `ps`.
          const code = await startWorker({
            networkId: options.network,
            config: cliConfig(options),
            workerIds: options.workerId,
            count: options.count,
            configId: options.config,
            heartbeatPeriod: options.heartbeatPeriod,
            heartbeatExpire: options.heartbeatExpire,
            messageLog: options.messageLog,
            outputLog: options.outputLog,
            insecure: options.insecure === true,
          });
          process.exit(code);
        },
      ),
    );
}
