import { describe, expect, it } from 'vitest';
import type { Rush, RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, waitUntil } from '../helpers/network.js';
import {
  announce,
  decentralizedLoop,
  privateServer,
  queueLoop,
  random,
  seeds,
  sleep,
  startMixedWorkers,
  stopAll,
  verifyAndReset,
} from './chaos.js';

const files = privateServer();

const TASKS = 300;

describe('chaos: process and connection faults', () => {
  it.each(seeds())(
    'SIGKILL of random workers at random moments, replaced by new ones (seed %i)',
    async (seed) => {
      announce('sigkill', seed);
      const rng = random(seed);
      const rush = await manager(newNetworkId(), files.server.url);
      const kinds = new Map<string, 'queue' | 'decentralized'>();
      const start = async (kind: 'queue' | 'decentralized') => {
        const [id] = await rush.startLocalWorkers(
          kind === 'queue' ? queueLoop : decentralizedLoop,
          { nWorkers: 1, args: [20] },
        );
        kinds.set(id!, kind);
        return id!;
      };
      for (let i = 0; i < 3; i++) await start('queue');
      for (let i = 0; i < 2; i++) await start('decentralized');
      const created = await rush.pushTasks(Array.from({ length: TASKS }, (_, x) => ({ x })));
      await rush.waitForWorkers({ n: 5, timeout: 60 });

      const killed = new Set<string>();
      const reported: string[] = [];
      for (let fault = 0; fault < 6; fault++) {
        await sleep(rng.int(50, 600));
        const alive = [...kinds.keys()].filter(
          (id) => !killed.has(id) && rush.processes.get(id)?.exitCode === null,
        );
        const victim = rng.pick(alive);
        rush.processes.get(victim)!.kill('SIGKILL');
        killed.add(victim);
        await waitUntil(() => rush.processes.get(victim)!.signalCode !== null, {
          what: 'the victim to die',
        });
        reported.push(...(await rush.detectLostWorkers()));
        await start(kinds.get(victim)!);
      }
      // Let the survivors drain the queue; tasks of killed workers were failed.
      await rush.waitForTasks(created, { detectLostWorkers: true, timeout: 120 });
      await stopAll(rush);
      reported.push(...(await rush.detectLostWorkers()));
      // Every killed worker that had joined is reported lost, once (one killed while starting never joined).
      const joined = new Set(await rush.workerIds());
      expect(new Set(reported)).toEqual(new Set([...killed].filter((id) => joined.has(id))));
      expect(new Set(reported).size).toBe(reported.length);
      expect(await rush.nQueuedTasks()).toBe(0);
      const aliveWorkers = [...kinds.keys()].filter((id) => !killed.has(id));
      await verifyAndReset(files.raw, rush, {
        settled: true,
        aliveWorkers,
        reportedLost: reported,
      });
    },
  );

  it.each(seeds())(
    'CLIENT KILL of every rushnet connection, again and again (seed %i)',
    async (seed) => {
      announce('client-kill', seed);
      const rng = random(seed);
      const rush = await manager(newNetworkId(), files.server.url);
      const ids = await startMixedWorkers(rush, 6);
      const created = await rush.pushTasks(Array.from({ length: TASKS }, (_, x) => ({ x })));
      const reported: string[] = [];
      let kills = 0;
      for (let fault = 0; fault < 12; fault++) {
        await sleep(rng.int(20, 300));
        const clients = String(await files.raw.client('LIST'))
          .split('\n')
          .filter((l) => / name=rushnet:/.test(l));
        for (const line of clients) {
          const id = /\bid=(\d+)/.exec(line)?.[1];
          if (id) kills += Number(await files.raw.client('KILL', 'ID', id).catch(() => 0));
        }
        reported.push(...(await rush.detectLostWorkers()));
      }
      expect(kills).toBeGreaterThan(10);
      // Every queued task finishes: nothing is lost, nothing is failed, nobody was declared lost.
      await waitUntil(
        async () =>
          (await rush.isRunningTask(created)).every((r) => !r) && (await rush.nQueuedTasks()) === 0,
        {
          timeoutMs: 120_000,
          what: 'the queue to drain',
        },
      );
      const finished = new Set(await rush.finishedTasks());
      expect(created.filter((k) => !finished.has(k))).toEqual([]);
      await stopAll(rush);
      expect(reported).toEqual([]);
      expect(await rush.nFailedTasks()).toBe(0);
      await verifyAndReset(files.raw, rush, {
        settled: true,
        aliveWorkers: ids,
        reportedLost: reported,
      });
    },
  );

  it.each(seeds())(
    'two managers detecting lost workers at once fail each lost task once (seed %i)',
    async (seed) => {
      announce('two-managers', seed);
      const rng = random(seed);
      const networkId = newNetworkId();
      const a = await manager(networkId, files.server.url);
      const b = await manager(networkId, files.server.url);
      const ids = await a.startLocalWorkers(
        async (rush: RushWorker, perWorker: number) => {
          await rush.pushRunningTasks(Array.from({ length: perWorker }, (_, x) => ({ x })));
          while (!rush.terminated) await new Promise((r) => setTimeout(r, 50));
        },
        { nWorkers: 4, args: [rng.int(2, 6)], heartbeatPeriod: 1, heartbeatExpire: 2 },
      );
      await a.waitForWorkers({ workerIds: ids, timeout: 60 });
      await waitUntil(
        async () =>
          (await a.fetchRunningTasks({ fields: ['worker_id'] })).length > 0 &&
          new Set((await a.fetchRunningTasks({ fields: ['worker_id'] })).map((r) => r.worker_id))
            .size === 4,
        { what: 'every worker to run tasks' },
      );
      const victims = ids.filter(() => rng.next() < 0.5).slice(0, 3);
      if (victims.length === 0) victims.push(ids[0]!);
      const running = await a.fetchRunningTasks({ fields: ['worker_id'] });
      const doomed = running.filter((r) => victims.includes(r.worker_id!)).map((r) => r.key);
      for (const id of victims) a.processes.get(id)!.kill('SIGKILL');
      for (const id of victims)
        await waitUntil(() => a.processes.get(id)!.signalCode !== null, {
          what: 'the victims to die',
        });
      // b learns of the deaths only through heartbeats (a also through its processes): let
      // the victims' heartbeats expire, so both managers have evidence when they race.
      await waitUntil(
        async () =>
          (await files.raw.exists(
            ...victims.map((id) => new RushKeys(networkId).heartbeat(id)),
          )) === 0,
        { what: "the victims' heartbeats to expire" },
      );
      const [fromA, fromB] = await Promise.all([a.detectLostWorkers(), b.detectLostWorkers()]);
      const lost = [...fromA, ...fromB];
      expect(lost.sort()).toEqual([...victims].sort());
      const failed = await a.fetchFailedTasks({ fields: ['condition'] });
      expect(failed.map((r) => r.key).sort()).toEqual([...doomed].sort());
      expect(failed.every((r) => r.condition?.message === 'Worker has crashed or was killed')).toBe(
        true,
      );
      await stopAll(a as Rush);
      await verifyAndReset(files.raw, a, {
        settled: true,
        reportedLost: lost,
        aliveWorkers: ids.filter((id) => !victims.includes(id)),
      });
    },
  );
});
