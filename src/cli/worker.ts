/** `rushnet worker`: runs one worker of a network (what workerScript() emits). */
import type { Command } from 'commander';
import { startWorker } from '../workers/runtime.js';
import { action, type ConnectionFlags, cliConfig, positiveInteger, withUrl } from './common.js';

export function workerCommand(program: Command): void {
  withUrl(
    program
      .command('worker')
      .description('start one worker of a network (this is what workerScript() emits)')
      .requiredOption('--network <id>', 'network id'),
  )
    .option('--worker-id <id>', 'worker id (default: a new UUID)')
    .option('--config <id>', 'stored worker configuration to run (default: the latest)')
    .option('--heartbeat-period <s>', 'seconds between heartbeats', positiveInteger)
    .option('--heartbeat-expire <s>', 'seconds a heartbeat lives', positiveInteger)
    .option(
      '--message-log <dir>',
      'directory for message_<worker-id>.log (stderr and log messages)',
    )
    .option('--output-log <dir>', 'directory for output_<worker-id>.log (stdout)')
    .action(
      action(
        async (
          options: ConnectionFlags & {
            network: string;
            workerId?: string;
            config?: string;
            heartbeatPeriod?: number;
            heartbeatExpire?: number;
            messageLog?: string;
            outputLog?: string;
          },
        ) => {
          const code = await startWorker({
            networkId: options.network,
            config: cliConfig(options),
            workerId: options.workerId,
            configId: options.config,
            heartbeatPeriod: options.heartbeatPeriod,
            heartbeatExpire: options.heartbeatExpire,
            messageLog: options.messageLog,
            outputLog: options.outputLog,
          });
          process.exit(code);
        },
      ),
    );
}
