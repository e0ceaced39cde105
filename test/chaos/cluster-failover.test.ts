/**
 * Chaos: a Redis Cluster primary failover while workers run. The primary that owns the
 * network's slot is killed (SIGKILL) while two queue workers and a decentralized worker (real
 * local processes) pop, create and finish tasks; its replica takes the slot over, the killed
 * node comes back as the new primary's replica, and the queue drains. Without durability Redis
 * may lose writes the old primary acknowledged, and rushnet none; with
 * `durability: { replicas: 1 }` nothing acknowledged is lost at all.
 */
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisAddress } from '../../src/index.js';
import { startCluster, type TestCluster } from '../helpers/servers/cluster.js';
import { baseArgs, command, parseInfo, startProcess, waitFor } from '../helpers/servers/process.js';
import {
  type FailoverTopology,
  failoverRound,
  rushnetFailures,
  seeds,
} from './failover-support.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

/**
 * Starts a killed node again with its own cluster state file, bus port and directory: it
 * rejoins as a replica of the primary that took its slots. Resolves once it is in sync.
 */
async function restartNode(killed: number): Promise<void> {
  const live = [...cluster.processes.values()].find((p) => !p.exited)!.port;
  const [, dir] = (await command(live, ['CONFIG', 'GET', 'dir'])) as [string, string];
  const [, timeout] = (await command(live, ['CONFIG', 'GET', 'cluster-node-timeout'])) as [
    string,
    string,
  ];
  const nodes = String(await command(live, ['CLUSTER', 'NODES']));
  const bus = new RegExp(`:${killed}@(\\d+)`).exec(nodes)?.[1];
  if (!bus) throw new Error(`the cluster does not know port ${killed}`);
  const node = await startProcess(
    (port) => [
      ...['--port', String(port), '--cluster-enabled', 'yes', '--cluster-port', bus],
      ...['--cluster-config-file', join(dir, `nodes-${port}.conf`)],
      ...['--cluster-node-timeout', timeout],
      ...baseArgs(dir, String(port)),
    ],
    undefined,
    { port: killed },
  );
  cluster.processes.set(killed, node); // stopped with the cluster
  await waitFor(
    `port ${killed} back as a replica in sync`,
    async () => {
      const info = parseInfo(await command(killed, ['INFO', 'replication']));
      return info.get('role') === 'slave' && info.get('master_link_status') === 'up';
    },
    { timeoutMs: 30_000 },
  );
  await cluster.waitOk();
}

const topology: FailoverTopology = {
  name: 'cluster',
  get config() {
    return cluster.config;
  },
  client() {
    const seedNodes = (cluster.config as { cluster: RedisAddress[] }).cluster;
    return new Cluster(seedNodes, {
      maxRedirections: 1000,
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
    });
  },
  async ready() {},
  async pair(networkId) {
    const owner = await cluster.ownerOf(await cluster.slotOf(`rush:{${networkId}}:tasks`));
    const replica = (await cluster.nodes()).find((n) => n.primaryId === owner.id)!;
    return {
      primary: cluster.processes.get(owner.port)!,
      replica: cluster.processes.get(replica.port)!,
    };
  },
  async promoted(networkId, killed) {
    const slot = await cluster.slotOf(`rush:{${networkId}}:tasks`);
    const port = await waitFor(
      `a replica serving slot ${slot} instead of port ${killed}`,
      async () => {
        const owner = await cluster.ownerOf(slot).catch(() => undefined);
        return owner && owner.port !== killed ? owner.port : undefined;
      },
      { timeoutMs: 30_000 },
    );
    await cluster.waitOk();
    return port;
  },
  restore: (killed) => restartNode(killed),
};

describe('chaos: Redis Cluster primary failover while workers run', () => {
  it.each(seeds())(
    'without durability: nothing attributable to rushnet is lost (seed %i)',
    async (seed) => {
      process.stdout.write(
        `chaos: cluster-failover seed=${seed} (re-run with CHAOS_SEED=${seed})\n`,
      );
      const result = await failoverRound(topology, seed, undefined);
      expect(rushnetFailures(result)).toEqual([]);
    },
  );

  it.each(seeds())(
    'with durability { replicas: 1 }: nothing acknowledged is lost at all (seed %i)',
    async (seed) => {
      process.stdout.write(
        `chaos: cluster-failover-durable seed=${seed} (re-run with CHAOS_SEED=${seed})\n`,
      );
      const result = await failoverRound(topology, seed, { replicas: 1, timeout: 10 });
      expect(rushnetFailures(result)).toEqual([]);
      expect(result.redis).toEqual([]);
    },
  );
});
