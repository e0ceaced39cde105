/**
 * rushnet on a Redis Cluster (3 primaries + 3 replicas): the task round trip, many networks
 * spread over the slots, a blocked pop and writes that continue through a primary's failover,
 * a slot migration under load (ASK, TRYAGAIN, then MOVED), and the CLI.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listNetworks, RushWorker, rsh } from '../../src/index.js';
import { logger } from '../../src/logging/logger.js';
import { RushKeys } from '../../src/redis/keys.js';
import { LIBRARY } from '../../src/redis/scripts/index.js';
import { startCluster, type TestCluster } from '../helpers/servers/cluster.js';
import { command, waitFor } from '../helpers/servers/process.js';
import { newNetworkId, pair, popAndFinish, roundTrip, rushnet } from './scenario.js';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startCluster();
});

afterAll(async () => {
  await cluster?.stop();
});

/** Whether a client is blocked in BLMOVE on the node at `port`. */
async function blockedPop(port: number): Promise<boolean> {
  const clients = String(await command(port, ['CLIENT', 'LIST']));
  return clients.split('\n').some((line) => /\bcmd=blmove\b/.test(line));
}

/** The slot of a network's keys (all of them share it). */
const slotOf = (networkId: string) => cluster.slotOf(new RushKeys(networkId).tasks);

describe('Redis Cluster', () => {
  it('runs the task round trip, with waitForTasks woken through pub/sub', async () => {
    await roundTrip(cluster.config);
  });

  it('loads the function library on every primary, and the calls go to the owner as FCALL', async () => {
    const networkId = newNetworkId();
    const { rush, worker, close } = await pair(cluster.config, networkId);
    const primaries = () =>
      cluster.nodes().then((nodes) => nodes.filter((n) => n.role === 'master' && !n.failed));
    const fcalls = async (port: number) =>
      Number(
        /cmdstat_fcall:calls=(\d+)/.exec(
          String(await command(port, ['INFO', 'commandstats'])),
        )?.[1] ?? 0,
      );
    try {
      await waitFor('the library on every primary', async () => {
        for (const { port } of await primaries()) {
          const list = JSON.stringify(await command(port, ['FUNCTION', 'LIST']));
          if (!list.includes(LIBRARY.name)) return false;
        }
        return true;
      });
      const owner = await cluster.ownerOf(await slotOf(networkId));
      // Each connection takes FCALL once its own load was answered.
      await waitFor('FCALL on the owner', async () => {
        const before = await fcalls(owner.port);
        await rush.nQueuedTasks();
        await worker.nQueuedTasks();
        return (await fcalls(owner.port)) >= before + 2;
      });
      const before = await fcalls(owner.port);
      const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
      expect(await popAndFinish(worker, 2)).toEqual(keys);
      expect((await fcalls(owner.port)) - before).toBeGreaterThanOrEqual(5);
      await rush.reset();
    } finally {
      await close();
    }
  });

  it("durable writes wait (WAIT) on the primary that owns the network's slot", async () => {
    const networkId = newNetworkId();
    const durability = { replicas: 1 };
    const rush = await rsh({ networkId, config: cluster.config, durability });
    const worker = await RushWorker.create({ networkId, config: cluster.config, durability });
    /** WAIT calls served by each primary so far. */
    const waits = async () => {
      const primaries = (await cluster.nodes()).filter((n) => n.role === 'master' && !n.failed);
      const counts = new Map<number, number>();
      for (const { port } of primaries) {
        const stats = String(await command(port, ['INFO', 'commandstats']));
        counts.set(port, Number(/cmdstat_wait:calls=(\d+)/.exec(stats)?.[1] ?? 0));
      }
      return counts;
    };
    try {
      const owner = await cluster.ownerOf(await slotOf(networkId));
      const before = await waits();
      const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
      expect(await popAndFinish(worker, 3)).toEqual(keys);
      const after = await waits();
      // One push, then a pop and a finish per task: 7 state changes, each confirmed once, all
      // by the slot's owner (the pipeline goes where its script's keys live).
      for (const [port, calls] of after) {
        expect(calls - (before.get(port) ?? 0), `WAIT calls on ${port}`).toBe(
          port === owner.port ? 7 : 0,
        );
      }
      await rush.reset();
    } finally {
      await worker.close();
      await rush.close();
    }
  });

  it('durable writes follow a slot migration, each confirmed by the node that took it', async () => {
    const networkId = newNetworkId();
    const durability = { replicas: 1, timeout: 5 };
    const warn = vi.spyOn(logger, 'warn');
    const rush = await rsh({ networkId, config: cluster.config, durability });
    const worker = await RushWorker.create({ networkId, config: cluster.config, durability });
    try {
      const slot = await slotOf(networkId);
      const first = await rush.pushTasks(Array.from({ length: 20 }, (_, x) => ({ x })));
      const source = await cluster.ownerOf(slot);
      const target = (await cluster.nodes()).find(
        (n) => n.role === 'master' && !n.failed && n.port !== source.port,
      )!;
      const migration = await cluster.beginMigration(slot, target.port);
      expect(await migration.moveKeys(5)).toBeGreaterThan(0);
      const busy = (async () => {
        const popped = await popAndFinish(worker, 10);
        const more = await rush.pushTasks([{ x: 100 }]);
        return [popped, more] as const;
      })();
      busy.catch(() => {}); // awaited below
      await migration.moveKeys(10);
      await migration.finish();
      const [popped, more] = await busy;
      expect(popped).toEqual(first.slice(0, 10));
      expect(await popAndFinish(worker, 11)).toEqual([...first.slice(10), ...more]);
      expect(await rush.counts()).toMatchObject({ queued: 0, running: 0, finished: 21 });
      expect(warn.mock.calls.filter(([, message]) => /replica/.test(String(message)))).toEqual([]);
      await rush.reset();
    } finally {
      warn.mockRestore();
      await worker.close();
      await rush.close();
    }
  });

  it('keeps many networks apart, spread over the slots of every primary', async () => {
    const ids = Array.from({ length: 12 }, () => newNetworkId());
    const owners = new Set(
      await Promise.all(ids.map(async (id) => (await cluster.ownerOf(await slotOf(id))).port)),
    );
    // Twelve random slots on three primaries: every primary gets some, bar freak luck.
    expect(owners.size).toBeGreaterThan(1);
    await Promise.all(
      ids.map(async (id, i) => {
        const { rush, worker, close } = await pair(cluster.config, id);
        try {
          const keys = await rush.pushTasks(Array.from({ length: i + 1 }, (_, x) => ({ x })));
          expect(await popAndFinish(worker, i + 1)).toEqual(keys);
          expect(await rush.nFinishedTasks()).toBe(i + 1);
          expect(await rush.nQueuedTasks()).toBe(0);
        } finally {
          await close();
        }
      }),
    );
  });

  it.each(['command', 'kill'] as const)(
    'a blocked pop resumes and writes continue after the primary fails over (%s)',
    async (how) => {
      const { rush, worker, close } = await pair(cluster.config);
      try {
        const before = await rush.pushTasks([{ x: 1 }]);
        expect(await popAndFinish(worker, 1)).toEqual(before);
        const slot = await slotOf(rush.networkId);
        const owner = await cluster.ownerOf(slot);
        const popping = worker.popTask({ timeout: 10 });
        popping.catch(() => {}); // awaited below
        await waitFor('the worker blocked on the primary', () => blockedPop(owner.port));
        const { from, to } = await cluster.failover(slot, how);
        expect([from, to]).toEqual([owner.port, expect.any(Number)]);
        const [pushed] = await rush.pushTasks([{ x: 2 }]);
        const task = await popping;
        expect(task?.key).toBe(pushed);
        await worker.finishTasks([task!.key], [{ y: 4 }]);
        const after = await rush.pushTasks([{ x: 3 }]);
        expect(await popAndFinish(worker, 1)).toEqual(after);
        expect(await rush.counts()).toMatchObject({ queued: 0, running: 0, finished: 3 });
        expect((await cluster.ownerOf(slot)).port).toBe(to);
      } finally {
        await close();
      }
    },
  );

  it('the CLI reaches a cluster through RUSHNET_REDIS_CONFIG', async () => {
    const { rush, close } = await pair(cluster.config);
    try {
      await rush.pushTasks([{ x: 1 }, { x: 2 }]);
      const { code, stdout, stderr } = await rushnet(['status', '--network', rush.networkId], {
        RUSHNET_REDIS_CONFIG: JSON.stringify(cluster.config),
      });
      expect(stderr).toBe('');
      expect(stdout).toMatch(/2 queued/);
      expect(code).toBe(0);
    } finally {
      await close();
    }
  });

  it('a worker with a heartbeat keeps it on the cluster', async () => {
    const networkId = newNetworkId();
    const { rush, worker, close } = await pair(cluster.config, networkId, {
      heartbeatPeriod: 1,
      heartbeatExpire: 2,
    });
    try {
      const heartbeat = new RushKeys(networkId).heartbeat(worker.workerId);
      const owner = await cluster.ownerOf(await slotOf(networkId));
      // Refreshed by the thread: its time to live goes back up after it runs down.
      await waitFor('a refreshed heartbeat', async () => {
        const ttl = Number(await command(owner.port, ['PTTL', heartbeat]));
        return ttl > 1500;
      });
      await waitFor('the heartbeat to be refreshed again', async () => {
        const ttl = Number(await command(owner.port, ['PTTL', heartbeat]));
        return ttl > 0 && ttl < 1200;
      });
      await waitFor('another refresh', async () => {
        const ttl = Number(await command(owner.port, ['PTTL', heartbeat]));
        return ttl > 1500;
      });
      expect(await rush.detectLostWorkers()).toEqual([]);
      expect(worker.watchFailure).toBeUndefined();
    } finally {
      await close();
    }
  });

  it('listNetworks() finds the networks of every primary', async () => {
    const ids = Array.from({ length: 9 }, () => newNetworkId());
    const pairs = await Promise.all(ids.map((id) => pair(cluster.config, id)));
    try {
      await Promise.all(pairs.map(({ rush }) => rush.pushTasks([{ x: 1 }])));
      const owners = new Set(
        await Promise.all(ids.map(async (id) => (await cluster.ownerOf(await slotOf(id))).port)),
      );
      expect(owners.size).toBeGreaterThan(1);
      const found = await listNetworks({ config: cluster.config });
      for (const id of ids) expect(found).toContain(id);
    } finally {
      await Promise.all(pairs.map(({ close }) => close()));
    }
  });

  it('follows a slot migration: ASK while it runs, MOVED after', async () => {
    const { rush, worker, close } = await pair(cluster.config);
    try {
      const slot = await slotOf(rush.networkId);
      const first = await rush.pushTasks(Array.from({ length: 20 }, (_, x) => ({ x })));
      const source = await cluster.ownerOf(slot);
      const target = (await cluster.nodes()).find(
        (n) => n.role === 'master' && !n.failed && n.port !== source.port,
      )!;
      const migration = await cluster.beginMigration(slot, target.port);
      // Part of the network's keys on each node: commands are asked over or told to try again.
      expect(await migration.moveKeys(5)).toBeGreaterThan(0);
      const busy = (async () => {
        const popped = await popAndFinish(worker, 10);
        const more = await rush.pushTasks([{ x: 100 }]);
        return [popped, more] as const;
      })();
      busy.catch(() => {}); // awaited below; a failure before that must not go unhandled
      await migration.moveKeys(10);
      await migration.finish();
      const [popped, more] = await busy;
      expect(popped).toEqual(first.slice(0, 10));
      expect((await cluster.ownerOf(slot)).port).toBe(target.port);
      expect(await popAndFinish(worker, 11)).toEqual([...first.slice(10), ...more]);
      expect(await rush.counts()).toMatchObject({ queued: 0, running: 0, finished: 21 });
    } finally {
      await close();
    }
  });
});
