/**
 * Chaos: a Sentinel failover while workers run. The primary is killed (SIGKILL) while two queue
 * workers and a decentralized worker (real local processes) pop, create and finish tasks; the
 * sentinels promote the replica, the killed node comes back as its replica, and the queue
 * drains. Without durability Redis may lose writes the old primary acknowledged, and rushnet
 * none; with `durability: { replicas: 1 }` nothing acknowledged is lost at all.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisSentinelOptions } from '../../src/index.js';
import { baseArgs, command, startProcess, waitFor } from '../helpers/servers/process.js';
import { startSentinel, type TestSentinel } from '../helpers/servers/sentinel.js';
import {
  type FailoverTopology,
  failoverRound,
  rushnetFailures,
  seeds,
} from './failover-support.js';

let sentinel: TestSentinel;
/** When the last failover started: sentinels refuse another within 2 × failover-timeout. */
let lastFailover = 0;

beforeAll(async () => {
  sentinel = await startSentinel();
});

afterAll(async () => {
  await sentinel?.stop();
});

const topology: FailoverTopology = {
  name: 'sentinel',
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

describe('chaos: Sentinel failover while workers run', () => {
  it.each(seeds())(
    'without durability: nothing attributable to rushnet is lost (seed %i)',
    async (seed) => {
      process.stdout.write(
        `chaos: sentinel-failover seed=${seed} (re-run with CHAOS_SEED=${seed})\n`,
      );
      const result = await failoverRound(topology, seed, undefined);
      expect(rushnetFailures(result)).toEqual([]);
    },
  );

  it.each(seeds())(
    'with durability { replicas: 1 }: nothing acknowledged is lost at all (seed %i)',
    async (seed) => {
      process.stdout.write(
        `chaos: sentinel-failover-durable seed=${seed} (re-run with CHAOS_SEED=${seed})\n`,
      );
      const result = await failoverRound(topology, seed, { replicas: 1, timeout: 10 });
      expect(rushnetFailures(result)).toEqual([]);
      expect(result.redis).toEqual([]);
    },
  );
});
