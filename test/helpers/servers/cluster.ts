/**
 * A Redis Cluster for tests: 3 primaries + 3 replicas on free loopback ports, in a temporary
 * directory, stopped by pid. Helpers fail a primary over (CLUSTER FAILOVER on its replica, or
 * SIGKILL of the primary) and migrate a slot between primaries (MOVED/ASK for clients).
 */
import { join } from 'node:path';
import type { RedisConfig } from '../../../src/index.js';
import {
  baseArgs,
  command,
  freePort,
  parseInfo,
  redisCli,
  type ServerProcess,
  startProcess,
  stopAll,
  topologyDir,
  waitFor,
} from './process.js';

/** One node as CLUSTER NODES shows it. */
export interface ClusterNode {
  id: string;
  port: number;
  role: 'master' | 'slave';
  /** The primary's id, for a replica. */
  primaryId: string | undefined;
  failed: boolean;
  /** Slot ranges served, for a primary. */
  slots: [number, number][];
}

export interface TestCluster {
  /** The rushnet config: every node as a seed. */
  config: Exclude<RedisConfig, string>;
  /** The processes by port (killed ones included). */
  processes: Map<number, ServerProcess>;
  /** The nodes as a live node sees them now. */
  nodes(): Promise<ClusterNode[]>;
  /** The hash slot of a key (e.g. `rush:{net}:tasks`). */
  slotOf(key: string): Promise<number>;
  /** The primary serving a slot. */
  ownerOf(slot: number): Promise<ClusterNode>;
  /**
   * Fails the primary of `slot` over to its replica: `CLUSTER FAILOVER` on the replica, or with
   * `kill`, SIGKILL of the primary. Resolves when the replica serves the slot and the cluster
   * is ok again.
   */
  failover(slot: number, how: 'command' | 'kill'): Promise<{ from: number; to: number }>;
  /** Starts moving a slot to another primary; `moveKeys` moves some keys, `finish` the rest. */
  beginMigration(slot: number, toPort: number): Promise<SlotMigration>;
  /** Waits until every live node reports `cluster_state:ok`. */
  waitOk(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlotMigration {
  /** Moves up to `count` keys of the slot; returns how many moved. */
  moveKeys(count: number): Promise<number>;
  /** Moves the remaining keys and assigns the slot to the target everywhere. */
  finish(): Promise<void>;
}

/** Starts a 3 + 3 cluster. @param nodeTimeoutMs cluster-node-timeout (failure detection). */
export async function startCluster({ nodeTimeoutMs = 2000 } = {}): Promise<TestCluster> {
  const { dir, remove } = topologyDir('cluster');
  const processes = new Map<number, ServerProcess>();
  const busPorts = new Map<number, number>();
  const argsFor = async (port: number): Promise<string[]> => {
    const bus = busPorts.get(port) ?? (await freePort());
    busPorts.set(port, bus);
    return [
      ...['--port', String(port), '--cluster-enabled', 'yes', '--cluster-port', String(bus)],
      ...['--cluster-config-file', join(dir, `nodes-${port}.conf`)],
      ...['--cluster-node-timeout', String(nodeTimeoutMs)],
      ...baseArgs(dir, String(port)),
    ];
  };
  const cluster = makeCluster(processes);
  try {
    const started = await Promise.allSettled(
      Array.from({ length: 6 }, () => startProcess(argsFor)),
    );
    for (const s of started) if (s.status === 'fulfilled') processes.set(s.value.port, s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const ports = [...processes.keys()];
    await redisCli([
      ...['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`)],
      ...['--cluster-replicas', '1', '--cluster-yes'],
    ]);
    await cluster.waitOk();
    await waitReplicasSynced(cluster);
    return {
      ...cluster,
      config: { cluster: ports.map((port) => ({ host: '127.0.0.1', port })) },
      stop: () => stopAll([...processes.values()], remove),
    };
  } catch (error) {
    await stopAll([...processes.values()], remove);
    throw error;
  }
}

type ClusterHelpers = Omit<TestCluster, 'config' | 'stop'>;

function makeCluster(processes: Map<number, ServerProcess>): ClusterHelpers {
  const live = () => [...processes.values()].filter((p) => !p.exited).map((p) => p.port);
  /** A command on any live node that answers. */
  const anyNode = async (args: (string | number)[]): Promise<unknown> => {
    let lastError: unknown;
    for (const port of live()) {
      try {
        return await command(port, args);
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError ?? new Error('no live cluster node');
  };
  const nodesFrom = async (port?: number): Promise<ClusterNode[]> => {
    const text = String(
      port === undefined
        ? await anyNode(['CLUSTER', 'NODES'])
        : await command(port, ['CLUSTER', 'NODES']),
    );
    return text
      .trim()
      .split('\n')
      .map((line) => {
        const [id, address, flags, primary, , , , , ...slots] = line.split(' ');
        return {
          id: id!,
          port: Number(/:(\d+)@/.exec(address!)?.[1]),
          role: flags!.includes('master') ? 'master' : 'slave',
          primaryId: primary === '-' ? undefined : primary,
          failed: /\bfail\b/.test(flags!),
          slots: slots
            .filter((s) => !s.startsWith('['))
            .map((s) => {
              const [a, b = a] = s.split('-').map(Number);
              return [a!, b!] as [number, number];
            }),
        } satisfies ClusterNode;
      });
  };
  const ownerIn = (nodes: ClusterNode[], slot: number) =>
    nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => slot >= a && slot <= b));
  const helpers: ClusterHelpers = {
    processes,
    nodes: () => nodesFrom(),
    async slotOf(key) {
      return Number(await anyNode(['CLUSTER', 'KEYSLOT', key]));
    },
    async ownerOf(slot) {
      const owner = ownerIn(await nodesFrom(), slot);
      if (!owner) throw new Error(`no primary serves slot ${slot}`);
      return owner;
    },
    async waitOk() {
      await waitFor('cluster_state:ok on every live node', async () => {
        for (const port of live()) {
          const info = parseInfo(await command(port, ['CLUSTER', 'INFO']));
          if (info.get('cluster_state') !== 'ok') return false;
        }
        return true;
      });
    },
    async failover(slot, how) {
      const owner = await helpers.ownerOf(slot);
      const replica = await waitFor(`a healthy replica of the primary of slot ${slot}`, async () =>
        (await nodesFrom()).find((n) => n.primaryId === owner.id && !n.failed),
      );
      if (how === 'kill') await processes.get(owner.port)!.kill('SIGKILL');
      else await command(replica.port, ['CLUSTER', 'FAILOVER']);
      await waitFor(
        `port ${replica.port} serving slot ${slot} on every live node`,
        async () => {
          for (const port of live()) {
            if (ownerIn(await nodesFrom(port), slot)?.port !== replica.port) return false;
          }
          return true;
        },
        { timeoutMs: 30_000 },
      );
      await helpers.waitOk();
      return { from: owner.port, to: replica.port };
    },
    async beginMigration(slot, toPort) {
      const nodes = await nodesFrom();
      const source = ownerIn(nodes, slot);
      const target = nodes.find((n) => n.port === toPort && n.role === 'master');
      if (!source || !target || source === target) throw new Error('bad migration');
      await command(target.port, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', source.id]);
      await command(source.port, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', target.id]);
      const moveKeys = async (count: number): Promise<number> => {
        const keys = (await command(source.port, [
          ...['CLUSTER', 'GETKEYSINSLOT', slot, count],
        ])) as string[];
        if (keys.length === 0) return 0;
        await command(source.port, [
          ...['MIGRATE', '127.0.0.1', target.port, '', 0, 5000, 'KEYS', ...keys],
        ]);
        return keys.length;
      };
      return {
        moveKeys,
        async finish() {
          while ((await moveKeys(100)) > 0) {
            // until the slot is empty on the source
          }
          // The target first, then the source, then the other primaries (replicas refuse).
          const primaries = (await nodesFrom()).filter((n) => n.role === 'master' && !n.failed);
          const others = primaries.map((n) => n.port).filter((p) => p !== target.port);
          for (const port of [
            target.port,
            source.port,
            ...others.filter((p) => p !== source.port),
          ]) {
            await command(port, ['CLUSTER', 'SETSLOT', slot, 'NODE', target.id]);
          }
          await waitFor(`slot ${slot} on port ${target.port} everywhere`, async () => {
            for (const port of live()) {
              if (ownerIn(await nodesFrom(port), slot)?.port !== target.port) return false;
            }
            return true;
          });
        },
      };
    },
  };
  return helpers;
}

/** Waits until each replica has synced with its primary (needed before a failover). */
async function waitReplicasSynced(cluster: ClusterHelpers): Promise<void> {
  await waitFor('replicas in sync', async () => {
    const replicas = (await cluster.nodes()).filter((n) => n.role === 'slave');
    if (replicas.length !== 3) return false;
    for (const r of replicas) {
      const info = parseInfo(await command(r.port, ['INFO', 'replication']));
      if (info.get('master_link_status') !== 'up') return false;
    }
    return true;
  });
}
