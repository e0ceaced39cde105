/**
 * Chaos: a primary failover while workers run, on a Redis Cluster and on Sentinel. The primary
 * that serves the network is killed (SIGKILL) while two queue workers and a decentralized worker
 * (real local processes) pop, create and finish tasks; its replica takes over (the cluster moves
 * the slot, or the sentinels promote it), the killed node comes back as the new primary's
 * replica, and the queue drains. Without durability Redis may lose writes the old primary
 * acknowledged, and rushnet none; with `durability: { replicas: 1 }` nothing acknowledged is
 * lost at all. One topology alone: `-t Cluster` or `-t Sentinel`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retriesFailoverRound } from './failover-retries.js';
import { failoverRound, rushnetFailures } from './failover-support.js';
import { clusterTopology, sentinelTopology } from './failover-topologies.js';
import { announce, seeds } from './seeds.js';

const topologies = [clusterTopology(), sentinelTopology()];

describe.each(topologies.map((t) => [t.title, t] as const))(
  'chaos: %s while workers run',
  (_title, topology) => {
    beforeAll(() => topology.start());
    afterAll(() => topology.stop());

    it.each(seeds())(
      'without durability: nothing attributable to rushnet is lost (seed %i)',
      async (seed) => {
        announce(`${topology.name}-failover`, seed);
        const result = await failoverRound(topology, seed, undefined);
        expect(rushnetFailures(result)).toEqual([]);
      },
    );

    it.each(seeds())(
      'with durability { replicas: 1 }: nothing acknowledged is lost at all (seed %i)',
      async (seed) => {
        announce(`${topology.name}-failover-durable`, seed);
        const result = await failoverRound(topology, seed, { replicas: 1, timeout: 10 });
        expect(rushnetFailures(result)).toEqual([]);
        expect(result.redis).toEqual([]);
      },
    );

    it.each(seeds())(
      'with retries on, workers killed after the failover: each task finished once, or failed with its retries spent (seed %i)',
      async (seed) => {
        // One round per seed, with durability or without (even seeds): a CI round stays short.
        const durability = seed % 2 === 0 ? { replicas: 1, timeout: 10 } : undefined;
        announce(`${topology.name}-failover-retries`, seed);
        const result = await retriesFailoverRound(topology, seed, durability);
        expect(rushnetFailures(result)).toEqual([]);
        if (durability) expect(result.redis).toEqual([]);
      },
    );
  },
);
