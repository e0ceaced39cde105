/** `rushnet status`: workers and task counts of a network, or the networks on a server. */
import type { Command } from 'commander';
import type { Rush } from '../rush.js';
import {
  action,
  cliConfig,
  openNetwork,
  openServer,
  redacted,
  table,
  untilInterrupted,
  withUrl,
} from './common.js';

async function describeNetwork(rush: Rush): Promise<string> {
  const [workers, queued, running, finished, failed] = await Promise.all([
    rush.workerInfo(),
    rush.nQueuedTasks(),
    rush.nRunningTasks(),
    rush.nFinishedTasks(),
    rush.nFailedTasks(),
  ]);
  const total = queued + running + finished + failed;
  const runningWorkers = workers.filter((w) => w.state === 'running').length;
  const lines = [
    `network ${rush.networkId}`,
    `tasks: ${queued} queued, ${running} running, ${finished} finished, ${failed} failed (${total} total)`,
    `workers: ${runningWorkers} running, ${workers.length - runningWorkers} terminated`,
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
async function describeServer(url: string | undefined): Promise<string> {
  const client = await openServer(url);
  try {
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', 'rush:{*}:*', 'COUNT', 1000);
      for (const key of keys) {
        const match = /^rush:\{(.+?)\}:/.exec(key);
        if (match) ids.add(match[1]!);
      }
      cursor = next;
    } while (cursor !== '0');
    if (ids.size === 0) return `no rush networks on ${redacted(cliConfig(url))}`;
    const rows: (string | number)[][] = [];
    for (const id of [...ids].sort()) {
      const p = `rush:{${id}}:`;
      const replies = await client
        .multi()
        .scard(`${p}running_workers`)
        .llen(`${p}queued`)
        .scard(`${p}running`)
        .llen(`${p}finished`)
        .scard(`${p}failed`)
        .exec();
      rows.push([id, ...(replies ?? []).map(([, n]) => Number(n))]);
    }
    return table(['NETWORK', 'WORKERS', 'QUEUED', 'RUNNING', 'FINISHED', 'FAILED'], rows);
  } finally {
    client.disconnect();
  }
}

export function statusCommand(program: Command): void {
  withUrl(
    program
      .command('status')
      .description(
        'show the workers and task counts of a network (without --network: the networks on the server)',
      )
      .option('--network <id>', 'network id')
      .option('--watch', 'refresh every second until Ctrl-C'),
  ).action(
    action(async (options: { network?: string; url?: string; watch?: boolean }) => {
      const rush = options.network ? await openNetwork(options.network, options.url) : undefined;
      const render = () => (rush ? describeNetwork(rush) : describeServer(options.url));
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
