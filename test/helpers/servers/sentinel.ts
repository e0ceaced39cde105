/**
 * A Sentinel-monitored primary for tests: a primary, one replica and 3 sentinels (quorum 2,
 * short down-after-milliseconds) on free loopback ports, in a temporary directory, stopped by
 * pid. Helpers force a failover (`SENTINEL FAILOVER`) or crash the primary (SIGKILL).
 * Sentinels run as `redis-server <conf> --sentinel` (no separate redis-sentinel binary needed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RedisConfig } from '../../../src/index.js';
import {
  baseArgs,
  command,
  parseInfo,
  type ServerProcess,
  startProcess,
  stopAll,
  topologyDir,
  waitFor,
} from './process.js';

export interface TestSentinel {
  /** The rushnet config: the three sentinels and the primary's name. */
  config: Exclude<RedisConfig, string>;
  name: string;
  /** Data nodes by port (killed ones included). */
  dataNodes: Map<number, ServerProcess>;
  sentinels: ServerProcess[];
  /** The port of the primary the sentinels name now. */
  primaryPort(): Promise<number>;
  /**
   * Promotes the replica: `SENTINEL FAILOVER` (the old primary stays up and is turned into a
   * replica), or with `kill`, SIGKILL of the primary. Resolves when every live sentinel names
   * the new primary and it answers as a master.
   */
  failover(how: 'command' | 'kill'): Promise<{ from: number; to: number }>;
  /** Waits until the old primary (still running) replicates from the new one. */
  waitDemoted(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the primary, its replica and three sentinels; resolves when they all know each other. */
export async function startSentinel({
  name = 'rushnet-primary',
  downAfterMs = 1000,
  failoverTimeoutMs = 3000,
} = {}): Promise<TestSentinel> {
  const { dir, remove } = topologyDir('sentinel');
  const dataNodes = new Map<number, ServerProcess>();
  const sentinels: ServerProcess[] = [];
  const all = () => [...dataNodes.values(), ...sentinels];
  try {
    const primary = await startProcess((port) => [
      ...['--port', String(port)],
      ...baseArgs(dir, `data-${port}`),
    ]);
    dataNodes.set(primary.port, primary);
    const replica = await startProcess((port) => [
      ...['--port', String(port), '--replicaof', '127.0.0.1', String(primary.port)],
      ...baseArgs(dir, `data-${port}`),
    ]);
    dataNodes.set(replica.port, replica);
    // Sentinels started after the replica has synced discover it at once.
    await waitFor('the replica in sync', async () => {
      const info = parseInfo(await command(replica.port, ['INFO', 'replication']));
      return info.get('master_link_status') === 'up';
    });
    for (let i = 0; i < 3; i++) {
      sentinels.push(
        await startProcess((port) => {
          const conf = join(dir, `sentinel-${port}.conf`);
          writeFileSync(
            conf,
            [
              `port ${port}`,
              'bind 127.0.0.1',
              'daemonize no',
              `logfile ${join(dir, `sentinel-${port}.log`)}`,
              `dir ${dir}`,
              `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
              `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
              `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
              `sentinel parallel-syncs ${name} 1`,
              '',
            ].join('\n'),
          );
          return [conf, '--sentinel'];
        }),
      );
    }
    await waitFor('every sentinel to see the replica and the other sentinels', async () => {
      for (const s of sentinels) {
        const fields = (await command(s.port, ['SENTINEL', 'MASTER', name])) as string[];
        const info = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) info.set(fields[i]!, fields[i + 1]!);
        if (info.get('num-slaves') !== '1' || info.get('num-other-sentinels') !== '2') {
          return false;
        }
      }
      return true;
    });
  } catch (error) {
    await stopAll(all(), remove);
    throw error;
  }

  const liveSentinels = () => sentinels.filter((s) => !s.exited);
  const primaryFrom = async (sentinel: ServerProcess): Promise<number> => {
    const reply = (await command(sentinel.port, [
      ...['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name],
    ])) as [string, string] | null;
    if (!reply) throw new Error(`sentinel ${sentinel.port} does not know ${name}`);
    return Number(reply[1]);
  };
  const role = async (port: number) => ((await command(port, ['ROLE'])) as unknown[])[0];

  return {
    config: { sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name },
    name,
    dataNodes,
    sentinels,
    primaryPort: () => primaryFrom(liveSentinels()[0]!),
    async failover(how) {
      const from = await primaryFrom(liveSentinels()[0]!);
      if (how === 'kill') await dataNodes.get(from)!.kill('SIGKILL');
      else await command(liveSentinels()[0]!.port, ['SENTINEL', 'FAILOVER', name]);
      const to = await waitFor(
        'every sentinel to name a new primary that answers as master',
        async () => {
          const named = new Set(await Promise.all(liveSentinels().map(primaryFrom)));
          const [port] = named;
          if (named.size !== 1 || port === from) return undefined;
          return (await role(port!)) === 'master' ? port : undefined;
        },
        { timeoutMs: 30_000 },
      );
      return { from, to };
    },
    async waitDemoted(port) {
      await waitFor(
        `port ${port} replicating from the new primary`,
        async () => {
          const info = parseInfo(await command(port, ['INFO', 'replication']));
          return info.get('role') === 'slave' && info.get('master_link_status') === 'up';
        },
        { timeoutMs: 30_000 },
      );
    },
    stop: () => stopAll(all(), remove),
  };
}
