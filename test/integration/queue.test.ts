/**
 * The queue: each task to exactly one popper, blocking pops that wake or time out, popTasks in
 * FIFO order, a pending list left by a lost reply picked up first, a resent pop that returns
 * the same tasks instead of more, a dropped worker that takes no task, and emptying or failing
 * the queue.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';
import * as calls from '../../src/redis/scripts/calls.js';
import { defineScripts, runScript } from '../../src/redis/scripts/index.js';
import {
  manager,
  newNetworkId,
  rawClient,
  redisUrl,
  waitUntil,
  worker,
} from '../helpers/network.js';

describe('the queue', () => {
  it('gives each task to exactly one of two workers popping concurrently', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushTasks(Array.from({ length: 400 }, (_, i) => ({ i })));
    const workers = [await worker(id), await worker(id)];
    const drain = async (w: (typeof workers)[number]) => {
      const got: string[] = [];
      for (;;) {
        const task = await w.popTask({ timeout: 0 });
        if (!task) return got;
        got.push(task.key);
        await w.finishTasks([task.key], [{ y: (task.xs.i as number) * 2 }]);
      }
    };
    const [a, b] = await Promise.all(workers.map(drain));
    expect(a!.length).toBeGreaterThan(0);
    expect(b!.length).toBeGreaterThan(0);
    const overlap = a!.filter((k) => new Set(b).has(k));
    expect(overlap).toEqual([]);
    expect(new Set([...a!, ...b!])).toEqual(new Set(keys));
    expect(await rush.nFinishedTasks()).toBe(400);
    const rows = await rush.fetchFinishedTasks();
    const byWorker = new Set(rows.map((r) => r.worker_id));
    expect(byWorker).toEqual(new Set(workers.map((w) => w.workerId)));
  });

  it('a blocking pop wakes when a task is pushed', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const popping = w.popTask({ timeout: 10 });
    const raw = rawClient();
    await waitUntil(async () => String(await raw.client('LIST')).includes('cmd=blmove'), {
      what: 'a blocked pop',
    });
    const [key] = await rush.pushTasks([{ x: 7 }]);
    const task = await popping;
    expect(task?.key).toBe(key);
    expect(task?.xs).toEqual({ x: 7 });
    expect(await rush.isRunningTask([key!])).toEqual([true]);
    const [row] = await rush.fetchRunningTasks();
    expect(row).toMatchObject({ key, x: 7, worker_id: w.workerId });
  });

  it('popTasks takes several tasks in FIFO order in one call', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys = await rush.pushTasks(Array.from({ length: 10 }, (_, x) => ({ x })));
    const first = await w.popTasks(4, { timeout: 0 });
    expect(first.map((t) => t.key)).toEqual(keys.slice(0, 4));
    expect(first.map((t) => t.xs.x)).toEqual([0, 1, 2, 3]);
    const rest = await w.popTasks(100, { timeout: 0, fields: ['xs', 'worker_id'] });
    expect(rest.map((t) => t.key)).toEqual(keys.slice(4));
    expect(rest.every((t) => t.worker_id === w.workerId)).toBe(true);
    expect(await w.popTasks(3, { timeout: 0 })).toEqual([]);
    expect(await rush.nRunningTasks()).toBe(10);
    expect(await w.finishTasks(keys, [{ y: 1 }])).toEqual(keys);
    await expect(w.popTasks(0)).rejects.toThrow(/`n`/);
    // Blocking: wakes for the first task pushed.
    const waiting = w.popTasks(5, { timeout: 10 });
    const raw = rawClient();
    await waitUntil(async () => String(await raw.client('LIST')).includes('cmd=blmove'), {
      what: 'a blocked pop',
    });
    const [late] = await rush.pushTasks([{ x: 99 }]);
    expect((await waiting).map((t) => t.key)).toEqual([late]);
  });

  it('a blocking pop returns null when the time is up', async () => {
    const w = await worker(newNetworkId());
    const started = Date.now();
    expect(await w.popTask({ timeout: 0.2 })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it('picks up a task left in its pending list by a lost reply before the queue', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [first, second] = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const raw = rawClient();
    // As if a blocking pop moved `second` but its reply never arrived.
    await raw.lrem(new RushKeys(id).queued, 1, second!);
    await raw.rpush(new RushKeys(id).pending(w.workerId), second!);
    expect((await w.popTask({ timeout: 0 }))?.key).toBe(second);
    expect((await w.popTask({ timeout: 0 }))?.key).toBe(first);
    expect(await rush.nRunningTasks()).toBe(2);
  });

  it('empties the queue into failed tasks', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(
      await rush.emptyQueue({ keys: [keys[1]!], conditions: [{ message: 'not this one' }] }),
    ).toEqual([keys[1]]);
    expect(await rush.queuedTasks()).toEqual([keys[0], keys[2]]);
    expect(new Set(await rush.emptyQueue())).toEqual(new Set([keys[0], keys[2]]));
    expect(await rush.nQueuedTasks()).toBe(0);
    const failed = await rush.fetchFailedTasks();
    const conditions = Object.fromEntries(failed.map((r) => [r.key, r.condition?.message]));
    expect(conditions).toEqual({
      [keys[0]!]: 'Removed from queue',
      [keys[1]!]: 'not this one',
      [keys[2]!]: 'Removed from queue',
    });
  });

  it('fails queued tasks with failTasks', async () => {
    const rush = await manager();
    const [key] = await rush.pushTasks([{ x: 1 }]);
    expect(await rush.failTasks([key!])).toEqual([key]);
    expect(await rush.nQueuedTasks()).toBe(0);
    expect(await rush.popTask({ timeout: 0 })).toBeNull();
  });
});

describe('a pop by a worker that is no longer running', () => {
  it('takes no task: its pops come back empty and the task stays queued', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    // Blocked on an empty queue when it is dropped: what arrives goes back to the queue.
    const blocked = w.popTask({ timeout: 2 });
    await waitUntil(async () => String(await rawClient().client('LIST')).includes('cmd=blmove'), {
      what: 'a blocked pop',
    });
    expect(await rush.stopWorkers({ type: 'kill', workerIds: [w.workerId] })).toEqual([w.workerId]);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    expect(await blocked).toBeNull();
    expect(await w.popTask({ timeout: 0 })).toBeNull();
    expect(
      await w.processTasks(async () => ({ y: 1 }), { maxTasks: 1, timeout: 0.1 }).catch(() => -1),
    ).toBe(0);
    expect(await rush.queuedTasks()).toEqual([key]);
    expect(await rush.popTask({ timeout: 0 })).toMatchObject({ key });
  });
});

describe('a resent pop', () => {
  it('a pop sent again after a lost reply returns the same tasks instead of taking more', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    const client = new Redis(redisUrl());
    try {
      defineScripts(client);
      const keysOf = new RushKeys(id);
      await client.sadd(keysOf.poppers, 'w'); // as a popper registers, so reset() finds its keys
      await client.sadd(keysOf.runningWorkers, 'w'); // only running workers may take tasks
      const pop = async (request: string) => {
        const call = calls.popTask(keysOf, {
          popperId: 'w',
          workerId: 'w',
          claim: '',
          count: 2,
          request,
          fields: ['worker_id'],
        });
        const reply = await runScript(client, call);
        return typeof reply === 'number' ? null : reply.map(String);
      };
      const first = await pop('req-1');
      expect(first).toEqual([keys[0], 'w', keys[1], 'w']);
      expect(await pop('req-1')).toEqual(first); // the resend
      expect(await rush.queuedTasks()).toEqual([keys[2]]);
      expect(await pop('req-2')).toEqual([keys[2], 'w']);
    } finally {
      client.disconnect();
    }
  });
});
