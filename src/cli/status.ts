/** `rushnet status`: workers and task counts of a network, or the networks on a server. */
import type { Command } from 'commander';
import { readNetworks } from '../networks.js';
import type { Rush } from '../rush.js';
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

/**
 * The networks on the server that this user may read, with counts (SCAN shows every key name,
 * whatever the user's ACL: a network whose keys the user may not read is not one of its own).
 */
async function describeServer(flags: ConnectionFlags): Promise<string> {
  const config = cliConfig(flags);
  const { found, networks } = await readNetworks(config);
  if (found === 0) return `no rush networks on ${redacted(config)}`;
  if (networks.length === 0) return `no rush networks this user may read on ${redacted(config)}`;
  return table(
    ['NETWORK', 'WORKERS', 'QUEUED', 'RUNNING', 'FINISHED', 'FAILED'],
    networks.map(({ id, counts: c }) =>
      // No counts: Redis refused the read (e.g. a key of the wrong type).
      c
        ? [id, c.runningWorkers, c.queued, c.running, c.finished, c.failed]
        : [id, '?', '?', '?', '?', '?'],
    ),
  );
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
