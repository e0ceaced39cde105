/**
 * Chaos: a Redis restart under load (with persistence, so data survives), and a Redis at its
 * maxmemory with noeviction.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RushError } from '../../src/index.js';
import { manager, newNetworkId, waitUntil } from '../helpers/network.js';
import { startRedisServer } from '../helpers/redis-server.js';
import {
  announce,
  random,
  seeds,
  sleep,
  startMixedWorkers,
  stopAll,
  verifyAndReset,
} from './chaos.js';

describe('chaos: server faults', () => {
  it.each(seeds())(
    'a Redis restart: workers carry on and nothing is declared lost (seed %i)',
    async (seed) => {
      announce('redis-restart', seed);
      const rng = random(seed);
      const dir = mkdtempSync(join(tmpdir(), 'rushnet-chaos-aof-'));
      const persistent = ['--appendonly', 'yes', '--appendfsync', 'always'];
      let server = await startRedisServer(persistent, { dir });
      const raw = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      raw.on('error', () => {});
      try {
        const rush = await manager(newNetworkId(), server.url);
        const ids = await startMixedWorkers(rush, 10);
        const created = await rush.pushTasks(Array.from({ length: 300 }, (_, x) => ({ x })));
        const reported: string[] = [];
        for (let restart = 0; restart < 2; restart++) {
          await sleep(rng.int(100, 800));
          const port = server.port;
          await server.stop();
          await sleep(rng.int(200, 1500)); // an outage shorter than the heartbeat expiry
          server = await startRedisServer(persistent, { dir, port });
          reported.push(...(await rush.detectLostWorkers()));
        }
        await waitUntil(
          async () =>
            (await rush.nQueuedTasks()) === 0 &&
            (await rush.isRunningTask(created)).every((r) => !r),
          {
            timeoutMs: 120_000,
            what: 'the queue to drain after the restarts',
          },
        );
        const finished = new Set(await rush.finishedTasks());
        expect(created.filter((key) => !finished.has(key))).toEqual([]);
        reported.push(...(await rush.detectLostWorkers()));
        expect(reported).toEqual([]);
        await stopAll(rush);
        await verifyAndReset(raw, rush, {
          settled: true,
          aliveWorkers: ids,
          reportedLost: reported,
        });
      } finally {
        raw.disconnect();
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.each(seeds())(
    'Redis at maxmemory (noeviction): a clear RushError, nothing half-written, then work resumes (seed %i)',
    async (seed) => {
      announce('maxmemory', seed);
      const rng = random(seed);
      const server = await startRedisServer([
        '--maxmemory',
        '3mb',
        '--maxmemory-policy',
        'noeviction',
      ]);
      const raw = new Redis(server.url);
      try {
        const rush = await manager(newNetworkId(), server.url);
        const blob = 'x'.repeat(rng.int(500, 2000));
        let error: unknown;
        let pushed = 0;
        for (let i = 0; i < 1000 && !error; i++) {
          try {
            pushed += (await rush.pushTasks(Array.from({ length: 50 }, (_, x) => ({ x, blob }))))
              .length;
          } catch (e) {
            error = e;
          }
        }
        expect(error).toBeInstanceOf(RushError);
        expect((error as Error).message).toMatch(
          /^Redis is out of memory: it refuses writes .*nothing of this call was written/,
        );
        expect(await rush.nTasks()).toBe(pushed);
        expect(await rush.nQueuedTasks()).toBe(pushed);
        // Whatever else is tried at the limit either works or is refused whole.
        const atLimit = await rush.popTask({ timeout: 0 }).catch((e: unknown) => e);
        if (!(atLimit instanceof RushError)) expect(atLimit).toHaveProperty('key');

        await raw.config('SET', 'maxmemory', '0');
        await verifyInvariantsOnly(raw, rush.networkId); // nothing was half-written
        const [key] = await rush.pushTasks([{ x: -1 }]);
        const popped = await rush.popTask({ timeout: 0 });
        expect(popped?.key).not.toBe(undefined);
        expect(await rush.finishTasks([popped!.key], [{ y: 1 }])).toEqual([popped!.key]);
        expect(await rush.nTasks()).toBe(pushed + 1);
        expect(key).toBeDefined();
        await verifyAndReset(raw, rush, {});
      } finally {
        raw.disconnect();
        await server.stop();
      }
    },
  );
});

async function verifyInvariantsOnly(raw: Redis, networkId: string): Promise<void> {
  const { checkInvariants } = await import('../helpers/invariants.js');
  expect(await checkInvariants(raw, networkId)).toEqual([]);
}
