/** `rushnet status`: workers and task counts of a network, or the networks on a server. */
import type { Command } from 'commander';
import { readNetworks } from '../networks.js';
import type { Rush } from '../rush.js';
import type { NetworkCounts, WorkerInfo } from '../types.js';
import {
  action,
  type ConnectionFlags,
  cliConfig,
  networkOption,
  openNetwork,
  redacted,
  table,
  untilInterrupted,
  withUrl,
} from './common.js';
import { requireNetwork } from './network-check.js';
import { toJson, visible } from './sanitize.js';

/** What `status --json` prints for a network. */
export interface NetworkStatus {
  network: string;
  tasks: { queued: number; running: number; finished: number; failed: number; total: number };
  workers: { running: number; terminated: number };
  worker_info: WorkerInfo[];
}

function taskCounts(c: NetworkCounts): NetworkStatus['tasks'] {
  const { queued, running, finished, failed } = c;
  return { queued, running, finished, failed, total: queued + running + finished + failed };
}

async function readStatus(rush: Rush): Promise<NetworkStatus> {
  const [workers, c] = await Promise.all([rush.workerInfo(), rush.counts()]);
  return {
    network: rush.networkId,
    tasks: taskCounts(c),
    workers: { running: c.runningWorkers, terminated: c.terminatedWorkers },
    worker_info: workers,
  };
}

function describeNetwork(s: NetworkStatus): string {
  const t = s.tasks;
  const lines = [
    `network ${visible(s.network)}`,
    `tasks: ${t.queued} queued, ${t.running} running, ${t.finished} finished, ${t.failed} failed (${t.total} total)`,
    `workers: ${s.workers.running} running, ${s.workers.terminated} terminated`,
  ];
  if (s.worker_info.length > 0) {
    lines.push(
      table(
        ['WORKER', 'HOST', 'PID', 'STATE', 'HEARTBEAT'],
        s.worker_info.map((w) => [
          visible(w.worker_id),
          visible(String(w.hostname)),
          w.pid,
          w.state,
          w.heartbeat ? 'yes' : 'no',
        ]),
      ),
    );
  }
  return lines.join('\n');
}

/**
 * The networks on the server that this user may read, with counts (SCAN shows every key name,
 * whatever the user's ACL: a network whose keys the user may not read is not one of its own).
 * Network ids come from key names anyone may write: they are printed made visible.
 */
async function describeServer(flags: ConnectionFlags, json: boolean): Promise<string> {
  const config = cliConfig(flags);
  const { found, networks } = await readNetworks(config);
  if (json) {
    return toJson({
      server: redacted(config),
      networks: networks.map(({ id, counts: c }) => ({
        network: id,
        // null: Redis refused the read (e.g. a key of the wrong type).
        tasks: c ? taskCounts(c) : null,
        workers: c ? { running: c.runningWorkers, terminated: c.terminatedWorkers } : null,
      })),
    });
  }
  if (found === 0) return `no rush networks on ${redacted(config)}`;
  if (networks.length === 0) return `no rush networks this user may read on ${redacted(config)}`;
  return table(
    ['NETWORK', 'WORKERS', 'QUEUED', 'RUNNING', 'FINISHED', 'FAILED'],
    networks.map(({ id, counts: c }) =>
      c
        ? [visible(id), c.runningWorkers, c.queued, c.running, c.finished, c.failed]
        : [visible(id), '?', '?', '?', '?', '?'],
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
      .addOption(networkOption(false))
      .option('--json', 'print JSON (with --watch: one JSON object per line)')
      .option('--watch', 'refresh every second until Ctrl-C'),
  ).action(
    action(
      async (options: ConnectionFlags & { network?: string; watch?: boolean; json?: boolean }) => {
        const json = options.json === true;
        const rush = options.network ? await openNetwork(options.network, options) : undefined;
        let checked = false;
        const render = async () => {
          if (!rush) return describeServer(options, json);
          const status = await readStatus(rush);
          // After the read: a permission the Redis user lacks is the more useful message.
          if (!checked) await requireNetwork(rush);
          checked = true;
          return json ? toJson(status) : describeNetwork(status);
        };
        try {
          if (!options.watch) {
            process.stdout.write(`${await render()}\n`);
            return;
          }
          const interrupt = untilInterrupted();
          const tty = process.stdout.isTTY === true && !json;
          while (!interrupt.stopped()) {
            const text = await render();
            process.stdout.write(
              json
                ? `${text}\n`
                : tty
                  ? `\x1b[H\x1b[2J${text}\n\n(refreshing every second; Ctrl-C to stop)\n`
                  : `${text}\n\n`,
            );
            await interrupt.wait(1000);
          }
        } finally {
          await rush?.close();
        }
      },
    ),
  );
}
