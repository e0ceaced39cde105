/**
 * The two topologies the failover scenario runs on (test/chaos/failover.test.ts): a Redis
 * Cluster (3 + 3 nodes; the primary that owns the network's slot fails over to its replica)
 * and a primary with one replica and three sentinels. Each says how to start and stop it, which
 * primary serves a network, when its replica has taken over, and how the killed node comes back.
 */
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import type { RedisAddress, RedisSentinelOptions } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { startCluster, type TestCluster } from '../helpers/servers/cluster.js';
import { baseArgs, command, parseInfo, startProcess, waitFor } from '../helpers/servers/process.js';
import { startSentinel, type TestSentinel } from '../helpers/servers/sentinel.js';
import type { FailoverTopology } from './failover-support.js';

/** A 3 + 3 Redis Cluster: the network's slot moves to the replica of its killed primary. */
export function clusterTopology(): FailoverTopology {
  let cluster: TestCluster;
  const slotOf = (networkId: string) => cluster.slotOf(new RushKeys(networkId).tasks);

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

  return {
    name: 'cluster',
    title: 'Redis Cluster primary failover',
    async start() {
      cluster = await startCluster();
    },
    async stop() {
      await cluster?.stop();
    },
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
      const owner = await cluster.ownerOf(await slotOf(networkId));
      const replica = (await cluster.nodes()).find((n) => n.primaryId === owner.id)!;
      return {
        primary: cluster.processes.get(owner.port)!,
        replica: cluster.processes.get(replica.port)!,
      };
    },
    async promoted(networkId, killed) {
      const slot = await slotOf(networkId);
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
}

/** A primary, its replica and three sentinels: the sentinels promote the replica. */
export function sentinelTopology(): FailoverTopology {
  let sentinel: TestSentinel;
  /** When the last failover started: sentinels refuse another within 2 × failover-timeout. */
  let lastFailover = 0;
  return {
    name: 'sentinel',
    title: 'Sentinel failover',
    async start() {
      sentinel = await startSentinel();
    },
    async stop() {
      await sentinel?.stop();
    },
    get config() {
      return sentinel.config;
    },
    client() {
      const { sentinels, name } = sentinel.config as RedisSentinelOptions;
      return new Redis({ sentinels, name, maxRetriesPerRequest: null });
    },
    async pair() {
      const port = await sentinel.primaryPort();
      const replica = [...sentinel.dataNodes.values()].find((p) => p.port !== port && !p.exited)!;
      return { primary: sentinel.dataNodes.get(port)!, replica };
    },
    async ready() {
      // failover-timeout is 3 s in the test topology: a second failover waits 6 s after the first.
      await waitFor(
        'the sentinels to accept another failover',
        () => Date.now() - lastFailover > 7000,
        { timeoutMs: 10_000 },
      );
      lastFailover = Date.now();
    },
    async promoted(_networkId, killed) {
      return waitFor(
        'every sentinel to name a new primary that answers as master',
        async () => {
          const named = new Set(
            await Promise.all(
              sentinel.sentinels
                .filter((s) => !s.exited)
                .map(async (s) => {
                  const reply = (await command(s.port, [
                    ...['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', sentinel.name],
                  ])) as [string, string];
                  return Number(reply[1]);
                }),
            ),
          );
          const [port] = named;
          if (named.size !== 1 || port === killed) return undefined;
          const [role] = (await command(port!, ['ROLE'])) as [string];
          return role === 'master' ? port : undefined;
        },
        { timeoutMs: 30_000 },
      );
    },
    async restore(killed, primary) {
      const [, dir] = (await command(primary, ['CONFIG', 'GET', 'dir'])) as [string, string];
      const node = await startProcess(
        (port) => [
          ...['--port', String(port), '--replicaof', '127.0.0.1', String(primary)],
          ...baseArgs(dir, `data-${port}`),
        ],
        undefined,
        { port: killed },
      );
      sentinel.dataNodes.set(killed, node); // stopped with the topology
      await sentinel.waitDemoted(killed);
    },
  };
}
