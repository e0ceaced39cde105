/** `rushnet stop`: terminate or kill workers of a network. */
import { type Command, Option } from 'commander';
import {
  action,
  type ConnectionFlags,
  networkOption,
  openNetwork,
  withUrl,
  workersOption,
} from './common.js';
import { requireNetwork } from './network-check.js';
import { visible } from './sanitize.js';

export function stopCommand(program: Command): void {
  withUrl(
    program
      .command('stop')
      .description('stop the workers of a network (kill reaches workers with a heartbeat)')
      .addOption(networkOption(true))
      .addOption(
        new Option('--type <type>', 'terminate: finish the current task; kill: at once')
          .choices(['terminate', 'kill'])
          .default('terminate'),
      )
      .addOption(workersOption('only these workers (one or more ids; the flag may be repeated)')),
  ).action(
    action(
      async (
        options: ConnectionFlags & {
          network: string;
          type: 'terminate' | 'kill';
          worker?: string[];
        },
      ) => {
        const rush = await openNetwork(options.network, options);
        try {
          await requireNetwork(rush);
          const info = new Map((await rush.workerInfo()).map((w) => [w.worker_id, w]));
          for (const id of options.worker ?? []) {
            if (info.get(id)?.state !== 'running')
              process.stderr.write(`rushnet: worker ${visible(id)} is not running: skipped\n`);
          }
          const stopped = await rush.stopWorkers({ type: options.type, workerIds: options.worker });
          if (stopped.length === 0) {
            process.stdout.write('no running workers to stop\n');
            return;
          }
          const verb = options.type === 'kill' ? 'killed' : 'asked to terminate';
          process.stdout.write(
            `${verb}: ${stopped.length} worker(s)\n${stopped.map((id) => `  ${visible(id)}`).join('\n')}\n`,
          );
          const unreachable = stopped.filter(
            (id) => options.type === 'kill' && !info.get(id)?.heartbeat,
          );
          if (unreachable.length > 0) {
            process.stderr.write(
              `rushnet: ${unreachable.length} worker(s) keep no heartbeat, so no kill request reaches their processes: ` +
                'they are marked terminated and their tasks failed, but their processes may run on\n',
            );
          }
        } finally {
          await rush.close();
        }
      },
    ),
  );
}
