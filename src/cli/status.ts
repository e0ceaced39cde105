/** `rushnet status`: workers and task counts of a network, or the networks on a server. */
import type { Command } from 'commander';
import { missingPermission } from '../errors.js';
import { listNetworks } from '../networks.js';
import { Rush } from '../rush.js';
import {
  action,
  type ConnectionFlags,
  cliConfig,
  networkId,
  openNetwork,
  redacted,
  table,
  untilInterrupted,
  withUrl,
} from './common.js';

async function describeNetwork(rush: Rush): Promise<string> {
  const [workers, c] = await Promise.all([rush.workerInfo(), rush.counts()]);
  const total = c.queued + c.running + c.finished + c.failed;
  const lines = [
    `network ${rush.networkId}`,
    `tasks: ${c.queued} queued, ${c.running} running, ${c.finished} finished, ${c.failed} failed (${total} total)`,
    `workers: ${c.runningWorkers} running, ${c.terminatedWorkers} terminated`,
  ];
  if (workers.length > 0) {
    lines.push(
      table(
        ['WORKER', 'HOST', 'PID', 'STATE', 'HEARTBEAT'],
        workers.map((w) => [w.worker_id, w.hostname, w.pid, w.state, w.heartbeat ? 'yes' : 'no']),
      ),
    );
  }
  return lines.join('\n');
}

/** Network ids found on the server, with counts. */
async function describeServer(flags: ConnectionFlags): Promise<string> {
  const config = cliConfig(flags);
  const ids = await listNetworks({ config });
  if (ids.length === 0) return `no rush networks on ${redacted(config)}`;
  const rows: (string | number)[][] = [];
  for (const id of ids) {
    const rush = await new Rush({ networkId: id, config }).connect();
    try {
      const c = await rush.counts();
      rows.push([id, c.runningWorkers, c.queued, c.running, c.finished, c.failed]);
    } catch (error) {
      // SCAN shows every key name, whatever the user's ACL: a network whose keys this user may
      // not read is not one of its networks.
      if (missingPermission(error) === undefined) throw error;
    } finally {
      await rush.close();
    }
  }
  if (rows.length === 0) return `no rush networks this user may read on ${redacted(config)}`;
  return table(['NETWORK', 'WORKERS', 'QUEUED', 'RUNNING', 'FINISHED', 'FAILED'], rows);
}

export function statusCommand(program: Command): void {
  withUrl(
    program
      .command('status')
      .description(
        'show the workers and task counts of a network (without --network: the networks on the server)',
      )
      .option('--network <id>', 'network id', networkId)
      .option('--watch', 'refresh every second until Ctrl-C'),
  ).action(
    action(async (options: ConnectionFlags & { network?: string; watch?: boolean }) => {
      const rush = options.network ? await openNetwork(options.network, options) : undefined;
      const render = () => (rush ? describeNetwork(rush) : describeServer(options));
      try {
        if (!options.watch) {
          process.stdout.write(`${await render()}\n`);
          return;
        }
        const interrupt = untilInterrupted();
        const tty = process.stdout.isTTY === true;
        while (!interrupt.stopped()) {
          const text = await render();
          process.stdout.write(
            tty
              ? `\x1b[H\x1b[2J${text}\n\n(refreshing every second; Ctrl-C to stop)\n`
              : `${text}\n\n`,
          );
          await interrupt.wait(1000);
        }
      } finally {
        await rush?.close();
      }
    }),
  );
}
