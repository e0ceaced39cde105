/**
 * Chaos with retries on: workers killed (SIGKILL, or `stopWorkers({ type: 'kill' })`) or frozen
 * (SIGSTOP until their heartbeat lapses, then resumed) mid-task, `reset()` in the middle of a
 * run, and Redis restarted under load. Tasks go back to the queue instead of failing; the
 * invariants hold: a task is finished at most once, never lost, runs at most maxRetries + 1
 * times, and ends finished or failed (failed only with its retries spent).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { Rush, WorkerLoop } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, scanNetworkKeys, waitUntil } from '../helpers/network.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { announce, privateServer, random, seeds, sleep, stopAll, verifyAndReset } from './chaos.js';
import type { Rng } from './seeds.js';

const files = privateServer();
const flaky: WorkerLoop = {
  module: new URL('./retry-loops.mjs', import.meta.url),
  export: 'flaky',
};
const TASKS = 200;
const MAX_RETRIES = 3;
const RETRIES = { maxRetries: MAX_RETRIES, retryDelay: { initial: 0.05, factor: 2, max: 0.4 } };

/** Waits until every task is finished or failed, detecting lost workers meanwhile. */
async function drain(rush: Rush, created: string[], reported: string[]): Promise<void> {
  await waitUntil(
    async () => {
      reported.push(...(await rush.detectLostWorkers()));
      return (await rush.nFinishedTasks()) + (await rush.nFailedTasks()) === created.length;
    },
    { timeoutMs: 180_000, intervalMs: 200, what: 'every task to finish or fail' },
  );
}

/**
 * A failed task has spent its retries, and some tasks did run again (the flaky handler sees to
 * it). Prints the round's figures for RELIABILITY.md.
 */
async function expectFailedOnlyWhenSpent(rush: Rush, scenario: string): Promise<void> {
  const failed = await rush.fetchFailedTasks({ fields: ['tries', 'condition'] });
  for (const row of failed) expect(row.tries, JSON.stringify(row.condition)).toBe(MAX_RETRIES + 1);
  const finished = await rush.fetchFinishedTasks({ fields: ['tries'] });
  const retried = finished.filter((row) => (row.tries ?? 0) > 1).length;
  expect(retried).toBeGreaterThan(0);
  const runs = [...finished, ...failed].reduce((sum, row) => sum + (row.tries ?? 0), 0);
  process.stdout.write(
    `chaos figures: ${scenario}: ${finished.length} finished (${retried} after a retry), ${failed.length} failed with retries spent, ${runs} runs\n`,
  );
}

/** A round on the file's server: its seed announced, its faults drawn, a fresh network. */
async function begin(scenario: string, seed: number): Promise<{ rng: Rng; rush: Rush }> {
  announce(scenario, seed);
  return { rng: random(seed), rush: await manager(newNetworkId(), files.server.url) };
}

describe('chaos: faults with retries on', () => {
  it.each(seeds())(
    'workers killed or frozen mid-task are replaced; their tasks run again (seed %i)',
    async (seed) => {
      const { rng, rush } = await begin('retries-kill-freeze', seed);
      const heartbeat = { heartbeatPeriod: 1, heartbeatExpire: 2 };
      const start = async () =>
        (await rush.startLocalWorkers(flaky, { nWorkers: 1, args: [30, 0.1], ...heartbeat }))[0]!;
      const ids = [await start(), await start(), await start()];
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      const created = await rush.pushTasks(
        Array.from({ length: TASKS }, (_, x) => ({ x })),
        RETRIES,
      );
      const reported: string[] = [];
      const victims = new Set<string>();
      const stopped = new Set<string>();
      for (let fault = 0; fault < 6; fault++) {
        await sleep(rng.int(100, 600));
        const alive = [...rush.processes.keys()].filter(
          (id) => !victims.has(id) && rush.processes.get(id)?.exitCode === null,
        );
        if (alive.length === 0) break;
        const victim = rng.pick(alive);
        const child = rush.processes.get(victim)!;
        victims.add(victim);
        const fault = rng.next();
        if (fault < 1 / 3) {
          child.kill('SIGKILL');
          await waitUntil(() => child.signalCode !== null, { what: 'the victim to die' });
        } else if (fault < 2 / 3) {
          // Killed by the manager: its tasks go back to the queue at once, with no detection.
          await rush.waitForWorkers({ workerIds: [victim], timeout: 60 });
          expect(await rush.stopWorkers({ type: 'kill', workerIds: [victim] })).toEqual([victim]);
          expect(child.signalCode).toBe('SIGKILL');
          stopped.add(victim);
        } else {
          // Frozen past its heartbeat: declared lost, its tasks re-queued; once resumed, its
          // late results are discarded and it stops.
          child.kill('SIGSTOP');
          await waitUntil(
            async () =>
              (await files.raw.exists(`rush:{${rush.networkId}}:heartbeat:${victim}`)) === 0,
            { what: "the frozen worker's heartbeat to lapse" },
          );
          reported.push(...(await rush.detectLostWorkers()));
          child.kill('SIGCONT');
        }
        reported.push(...(await rush.detectLostWorkers()));
        await start();
      }
      await drain(rush, created, reported);
      expect(reported.filter((id) => stopped.has(id))).toEqual([]);
      await expectFailedOnlyWhenSpent(rush, 'kill/freeze');
      await stopAll(rush);
      const survivors = [...rush.processes.keys()].filter((id) => !victims.has(id));
      await verifyAndReset(files.raw, rush, {
        created,
        settled: true,
        done: true,
        aliveWorkers: survivors,
        reportedLost: reported,
      });
    },
  );

  it.each(seeds())(
    'reset() in the middle of a run, retries waiting in the delayed set, leaves no key and no worker (seed %i)',
    async (seed) => {
      const { rng, rush } = await begin('retries-reset', seed);
      const heartbeat = { heartbeatPeriod: 1, heartbeatExpire: 10 };
      const ids = await rush.startLocalWorkers(flaky, {
        nWorkers: 3,
        args: [30, 0.3],
        ...heartbeat,
      });
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      // Retries wait 0.5 s and more: some sit in the delayed set when the reset comes.
      const backoff = { maxRetries: MAX_RETRIES, retryDelay: { initial: 0.5, factor: 2 } };
      await rush.pushTasks(
        Array.from({ length: TASKS }, (_, x) => ({ x })),
        backoff,
      );
      const delayed = new RushKeys(rush.networkId).delayed;
      const waiting = rng.int(1, 10);
      await waitUntil(
        async () => (await files.raw.zcard(delayed)) >= waiting && (await rush.nRunningTasks()) > 0,
        { timeoutMs: 60_000, what: `${waiting} delayed retries while tasks run` },
      );
      const [inDelayed, running] = [await files.raw.zcard(delayed), await rush.nRunningTasks()];
      const children = ids.map((id) => rush.processes.get(id)!);
      await rush.reset();
      // Every worker is gone before reset() returns, so none can write a key after it.
      expect(children.map((child) => child.signalCode)).toEqual(ids.map(() => 'SIGKILL'));
      expect(await scanNetworkKeys(files.raw, rush.networkId)).toEqual([]);
      // The network runs again: a fresh batch with retries drains.
      const again = await rush.startLocalWorkers(flaky, {
        nWorkers: 2,
        args: [10, 0.2],
        ...heartbeat,
      });
      await rush.waitForWorkers({ workerIds: again, timeout: 60 });
      const created = await rush.pushTasks(
        Array.from({ length: 50 }, (_, x) => ({ x })),
        RETRIES,
      );
      const reported: string[] = [];
      await drain(rush, created, reported);
      const { finished, failed } = await rush.counts();
      process.stdout.write(
        `chaos figures: reset: ${inDelayed} retries delayed and ${running} tasks running at the reset; the next run: ${finished} finished, ${failed} failed\n`,
      );
      await stopAll(rush);
      await verifyAndReset(files.raw, rush, {
        created,
        settled: true,
        done: true,
        aliveWorkers: again,
        reportedLost: reported,
      });
    },
  );

  it.each(seeds())(
    'a Redis restart under load: every task ends finished, or failed with its retries spent (seed %i)',
    async (seed) => {
      announce('retries-redis-restart', seed);
      const rng = random(seed);
      const dir = mkdtempSync(join(tmpdir(), 'rushnet-chaos-retries-'));
      const persistent = ['--appendonly', 'yes', '--appendfsync', 'always'];
      let server = await startRedisServer(persistent, { dir });
      const raw = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
      raw.on('error', () => {});
      try {
        const rush = await manager(newNetworkId(), server.url);
        const ids = await rush.startLocalWorkers(flaky, {
          nWorkers: 3,
          args: [20, 0.2],
          heartbeatPeriod: 1,
          heartbeatExpire: 10,
        });
        await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
        const created = await rush.pushTasks(
          Array.from({ length: TASKS }, (_, x) => ({ x })),
          RETRIES,
        );
        const reported: string[] = [];
        for (let restart = 0; restart < 2; restart++) {
          await sleep(rng.int(100, 800));
          const port = server.port;
          await server.stop();
          await sleep(rng.int(200, 1500)); // shorter than the heartbeat expiry
          server = await startRedisServer(persistent, { dir, port });
        }
        await drain(rush, created, reported);
        expect(reported).toEqual([]);
        await expectFailedOnlyWhenSpent(rush, 'redis restart');
        await stopAll(rush);
        await verifyAndReset(raw, rush, {
          created,
          settled: true,
          done: true,
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
});
