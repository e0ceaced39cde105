/**
 * Retries: a failed try with retries left goes back to the queue (after its delay), `tries`
 * counts the runs, `condition` keeps the history; `retry: false` fails for good; a delayed retry
 * counts as queued and a waiting pop receives it once due; a killed worker's task is re-queued
 * and that worker's late results are discarded (first writer wins across tries).
 */
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, rawClient, worker } from '../helpers/network.js';

async function serverMs(raw: Redis): Promise<number> {
  const [s, us] = await raw.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe('retries', () => {
  it('re-queue a failed try until the retries are spent, keeping every condition in history', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 2 });
    expect((await rush.fetchQueuedTasks())[0]).toMatchObject({ key, tries: 0 });
    for (const [i, message] of ['a', 'b'].entries()) {
      expect(await w.popTask({ fields: ['xs', 'tries'] })).toMatchObject({ key, tries: i + 1 });
      expect(await w.failTasks([key!], { conditions: [{ message }] })).toEqual([key]);
      expect(await rush.queuedTasks()).toEqual([key]);
    }
    const [queued] = await rush.fetchTasks({ fields: ['condition', 'tries'] });
    expect(queued).toEqual({
      key,
      tries: 2,
      condition: { message: 'b', history: [{ message: 'a' }, { message: 'b' }] },
    });
    await w.popTask();
    expect(await w.failTasks([key!], { conditions: [{ message: 'c', code: 3 }] })).toEqual([key]);
    const [failed] = await rush.fetchFailedTasks();
    expect(failed).toMatchObject({
      key,
      tries: 3,
      condition: {
        message: 'c',
        code: 3,
        history: [{ message: 'a' }, { message: 'b' }, { message: 'c', code: 3 }],
      },
    });
    expect(await rush.nQueuedTasks()).toBe(0);
  });

  it('a retried task that finishes keeps its last condition; retry: false fails for good', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [flaky, doomed] = await rush.pushTasks([{ x: 1 }, { x: 2 }], { maxRetries: 3 });
    await w.popTasks(2);
    expect(await w.failTasks([flaky!, doomed!], { retry: false })).toEqual([flaky, doomed]);
    expect((await rush.tasksWithState(['failed'])).failed!.sort()).toEqual(
      [flaky!, doomed!].sort(),
    );
    const [again] = await rush.pushTasks([{ x: 3 }], { maxRetries: 1 });
    await w.popTask();
    await w.failTasks([again!], { conditions: [{ message: 'flaky' }] });
    await w.popTask();
    expect(await w.finishTasks([again!], [{ y: 3 }])).toEqual([again]);
    const [row] = await rush.fetchFinishedTasks();
    expect(row).toMatchObject({
      key: again,
      y: 3,
      tries: 2,
      condition: { message: 'flaky', history: [{ message: 'flaky' }] },
    });
    // Failing a queued task (not a try) is for good, retries or not.
    const [waiting] = await rush.pushTasks([{ x: 4 }], { maxRetries: 2 });
    expect(await rush.failTasks([waiting!])).toEqual([waiting]);
    expect(await rush.isFailedTask([waiting!])).toEqual([true]);
  });

  it('a delayed retry counts as queued and a waiting pop receives it only once due', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const raw = rawClient();
    const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: 1.5 });
    await w.popTask();
    const failedAt = await serverMs(raw);
    expect(await w.failTasks([key!])).toEqual([key]);
    expect(await rush.nQueuedTasks()).toBe(1);
    expect(await rush.queuedTasks()).toEqual([key]);
    expect((await rush.fetchQueuedTasks()).map((r) => r.key)).toEqual([key]);
    expect(await rush.tasksWithState(['queued'])).toEqual({ queued: [key] });
    expect((await rush.counts()).queued).toBe(1);
    expect(await w.popTask({ timeout: 0 })).toBeNull(); // not due yet
    const task = await w.popTask({ timeout: 20, fields: ['started_at', 'tries'] });
    expect(task).toMatchObject({ key, tries: 2 });
    expect(task!.started_at).toBeGreaterThanOrEqual(failedAt + 1500);
  });

  it('a pop already waiting when a retry is delayed receives it once due', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const raw = rawClient();
    const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: 1 });
    await w.popTask();
    const waiting = rush.popTask({ timeout: 30, fields: ['started_at'] });
    // The pop is blocked (nothing is queued) when the retry is delayed.
    const poppers = new RushKeys(id).poppers;
    await vi.waitFor(async () => expect(await raw.scard(poppers)).toBe(2), { timeout: 10_000 });
    const failedAt = await serverMs(raw);
    expect(await w.failTasks([key!])).toEqual([key]);
    const task = await waiting;
    expect(task?.key).toBe(key);
    expect(task!.started_at).toBeGreaterThanOrEqual(failedAt + 1000);
  });

  it('backs off exponentially up to its maximum', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const raw = rawClient();
    const delayed = new RushKeys(id).delayed;
    const [key] = await rush.pushTasks([{ x: 1 }], {
      maxRetries: 3,
      retryDelay: { initial: 0.2, factor: 3, max: 0.5 },
    });
    for (const expected of [200, 500]) {
      await w.popTask({ timeout: 10 });
      const from = await serverMs(raw);
      await w.failTasks([key!]);
      const to = await serverMs(raw);
      const due = Number(await raw.zscore(delayed, key!));
      expect(due).toBeGreaterThanOrEqual(from + expected);
      expect(due).toBeLessThanOrEqual(to + expected);
    }
  });

  it("re-queues a killed worker's task and discards that worker's late finish", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const first = await worker(id);
    const second = await worker(id);
    const [key, other] = await rush.pushTasks([{ x: 1 }, { x: 2 }], { maxRetries: 2 });
    await first.popTasks(2);
    await rush.stopWorkers({ type: 'kill', workerIds: [first.workerId] });
    expect((await rush.queuedTasks()).sort()).toEqual([key!, other!].sort());
    // Its late failure of a task back in the queue is discarded too.
    expect(await first.failTasks([other!])).toEqual([]);
    const task = await second.popTask({ fields: ['tries', 'worker_id'] });
    if (task!.key !== key) await second.popTask(); // take both: `key` is the one looked at
    expect(await second.fetchTasks({ fields: ['tries', 'worker_id'] })).toContainEqual({
      key,
      tries: 2,
      worker_id: second.workerId,
    });
    const warn = vi.spyOn(first.logger, 'warn');
    expect(await first.finishTasks([key!], [{ y: 'late' }])).toEqual([]);
    expect(warn).toHaveBeenCalled();
    expect(await second.finishTasks([key!], [{ y: 'fresh' }])).toEqual([key]);
    const [row] = await rush.fetchFinishedTasks();
    expect(row).toMatchObject({
      key,
      y: 'fresh',
      worker_id: second.workerId,
      tries: 2,
      condition: { message: 'Worker was killed', history: [{ message: 'Worker was killed' }] },
    });
    // The manager keeps its rights: it may fail the other task, which the second worker runs.
    expect(await rush.failTasks([other!], { retry: false })).toEqual([other]);
  });

  it("a worker's failure of a queued task with retries leaves it queued (a pop Redis lost)", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const raw = await rawClient();
    const keys = new RushKeys(id);
    const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 2 });
    await w.popTask();
    // What a failover without durability can leave: the promoted replica never saw the pop.
    await raw
      .multi()
      .srem(keys.running, key!)
      .rpush(keys.queued, key!)
      .hset(keys.task(key!), 'state', 'queued', 'tries', Buffer.from([0]))
      .hdel(keys.task(key!), 'worker_id', 'started_at')
      .exec();
    // The worker that believes it runs the task fails its try: nothing moves, no try is spent.
    expect(await w.failTasks([key!], { conditions: [{ message: 'flaky' }] })).toEqual([]);
    expect(await rush.queuedTasks()).toEqual([key]);
    expect(await rush.isFailedTask([key!])).toEqual([false]);
    // Its next run counts from there.
    expect(await w.popTask({ fields: ['tries'] })).toMatchObject({ key, tries: 1 });
    expect(await w.failTasks([key!])).toEqual([key]);
    expect(await rush.queuedTasks()).toEqual([key]);
    // Another worker's retry: false, or a manager, still fails a queued task for good.
    const other = await worker(id);
    expect(await other.failTasks([key!], { retry: false })).toEqual([key]);
    expect(await rush.isFailedTask([key!])).toEqual([true]);
  });

  it('emptyQueue and cancelTasks take delayed tasks too, for good', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }], {
      maxRetries: 5,
      retryDelay: 60,
    });
    await w.popTasks(3);
    expect((await w.failTasks(keys)).sort()).toEqual([...keys].sort());
    expect(await rush.nQueuedTasks()).toBe(3);
    expect(await rush.cancelTasks([keys[0]!])).toEqual([keys[0]]);
    expect(await rush.emptyQueue({ keys: [keys[1]!] })).toEqual([keys[1]]);
    expect(await rush.emptyQueue()).toEqual([keys[2]]);
    expect(await rush.nQueuedTasks()).toBe(0);
    expect(await rush.nFailedTasks()).toBe(3);
    const rows = new Map((await rush.fetchFailedTasks()).map((r) => [r.key, r]));
    expect(rows.get(keys[0]!)!.condition).toMatchObject({ message: 'Cancelled', cancelled: true });
    expect(rows.get(keys[2]!)!.condition).toMatchObject({ message: 'Removed from queue' });
  });

  it('processTasks runs a flaky task again until it succeeds', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 2 });
    let calls = 0;
    const n = await w.processTasks(
      async () => {
        calls++;
        if (calls === 1) throw new Error('flaky network');
        return { y: 2 };
      },
      { maxTasks: 2 },
    );
    expect(n).toBe(2);
    const [row] = await rush.fetchFinishedTasks();
    expect(row).toMatchObject({ key, y: 2, tries: 2, condition: { message: 'flaky network' } });
    expect(row!.condition!.history).toHaveLength(1);
  });
});
