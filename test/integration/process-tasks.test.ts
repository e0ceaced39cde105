/** processTasks: the queue pattern in one call, one round trip per task in steady state. */
import { describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, rawClient, waitUntil, worker } from '../helpers/network.js';

/**
 * Counts the task commands a client sends, by wrapping `sendCommand`: everything but the
 * worker's own stop-flag checks (a MULTI every 200 ms on the same connection).
 */
function countCommands(w: RushWorker): { readonly count: number } {
  type Command = { name: string };
  const client = w.connector as unknown as { sendCommand: (c: Command) => unknown };
  const original = client.sendCommand.bind(client);
  const counter = { count: 0 };
  const flagCheck = new Set(['multi', 'mget', 'sismember', 'exec']);
  client.sendCommand = (command: Command) => {
    if (!flagCheck.has(command.name)) counter.count++;
    return original(command);
  };
  return counter;
}

describe('processTasks', () => {
  it('finishes each task with its result, fails the ones that throw, and stops at maxTasks', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushTasks(Array.from({ length: 10 }, (_, x) => ({ x })));
    const w = await worker(id);
    const n = await w.processTasks(
      async (task) => {
        const x = task.xs.x as number;
        if (x === 3) throw new Error('three is bad');
        if (x === 4) return 'not an object' as unknown as { y: number };
        return { y: x * 10 };
      },
      { maxTasks: 8 },
    );
    expect(n).toBe(8);
    const state = await rush.tasksWithState(['queued', 'running', 'finished', 'failed']);
    expect(state.queued).toEqual(keys.slice(8));
    expect(state.running).toEqual([]);
    expect(state.finished).toHaveLength(6);
    const failed = await rush.fetchFailedTasks();
    expect(failed.map((r) => [r.x, r.condition?.message]).sort()).toEqual([
      [3, 'three is bad'],
      [4, expect.stringMatching(/must return an object \(the task's ys\), got .*not an object/)],
    ]);
    const rows = await rush.fetchFinishedTasks();
    expect(rows.map((r) => r.y)).toEqual([0, 10, 20, 50, 60, 70]);
    expect(rows.every((r) => r.worker_id === w.workerId)).toBe(true);
  });

  it('costs one round trip per task in steady state', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    await rush.pushTasks(Array.from({ length: 200 }, (_, x) => ({ x })));
    const w = await worker(id);
    await w.popTask({ timeout: 0 }).then((t) => w.finishTasks([t!.key], [{ y: 0 }])); // warm up
    const counter = countCommands(w);
    expect(await w.processTasks(async (task) => ({ y: task.xs.x }), { maxTasks: 199 })).toBe(199);
    // The first take, then one settle-and-take per task (the last settles only).
    expect(counter.count).toBeLessThanOrEqual(200);
    expect(await rush.nFinishedTasks()).toBe(200);
  });

  it('runs up to `concurrency` handlers at once and settles tasks that finish together in one call', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    await rush.pushTasks(Array.from({ length: 40 }, (_, x) => ({ x })));
    const w = await worker(id);
    const counter = countCommands(w);
    let now = 0;
    let most = 0;
    const n = await w.processTasks(
      async () => {
        most = Math.max(most, ++now);
        await new Promise((r) => setTimeout(r, 20));
        now--;
        return { ok: true };
      },
      { concurrency: 8, maxTasks: 40 },
    );
    expect(n).toBe(40);
    expect(most).toBe(8);
    expect(counter.count).toBeLessThan(40);
    expect(await rush.counts()).toMatchObject({ finished: 40, running: 0, queued: 0 });
  });

  it('resolves when its signal aborts, settling the tasks in hand, and waits for new tasks until then', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const controller = new AbortController();
    let seen = 0;
    const done = w.processTasks(
      async (task) => {
        seen++;
        if (seen === 3) controller.abort();
        return { y: task.xs.x };
      },
      { signal: controller.signal, timeout: 0.2 },
    );
    // The queue starts empty: the loop blocks, then takes tasks as they come.
    await waitUntil(async () => (await rush.nWorkers()) === 1);
    await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    expect(await done).toBe(3);
    expect(await rush.counts()).toMatchObject({ finished: 3, queued: 1, running: 0 });
  });

  it('a local worker whose loop is processTasks stops when terminated', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        const n = await rush.processTasks(async (task) => ({ y: (task.xs.x as number) + 1 }));
        rush.logger.info(`processed ${n}`);
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: [id!], timeout: 30 });
    const keys = await rush.pushTasks(Array.from({ length: 20 }, (_, x) => ({ x })));
    await rush.waitForTasks(keys, { timeout: 60 });
    expect((await rush.fetchFinishedTasks()).map((r) => r.y)).toHaveLength(20);
    await rush.stopWorkers({ type: 'terminate' });
    await waitUntil(async () => (await rush.terminatedWorkerIds()).includes(id!), {
      timeoutMs: 20_000,
      what: 'the worker to terminate',
    });
    const log = await rush.readLog({ workerIds: [id!] });
    expect(log.map((r) => r.msg)).toContain('processed 20');
  });

  it('refuses bad arguments before touching Redis', async () => {
    const w = await worker(newNetworkId());
    await expect(w.processTasks('no' as never)).rejects.toThrow(/`handler`/);
    await expect(w.processTasks(async () => ({}), { concurrency: 0 })).rejects.toThrow(
      /`concurrency`/,
    );
    await expect(w.processTasks(async () => ({}), { timeout: 0 })).rejects.toThrow(/`timeout`/);
    await expect(w.processTasks(async () => ({}), { signal: {} as AbortSignal })).rejects.toThrow(
      /`signal`/,
    );
  });

  it('listens on the control channel only, so no finished task wakes its worker; a wait subscribes to the events channel while it lasts', async () => {
    const id = newNetworkId();
    const k = new RushKeys(id);
    const rush = await manager(id);
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    const w = await worker(id);
    const raw = rawClient();
    const subscribers = async (channel: string) => Number((await raw.pubsub('NUMSUB', channel))[1]);
    const seen: number[][] = [];
    const n = await w.processTasks(
      async (task) => {
        seen.push([await subscribers(k.events), await subscribers(k.control)]);
        return { y: task.xs.x };
      },
      { maxTasks: 3 },
    );
    expect(n).toBe(3);
    expect(seen).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
    ]);
    await rush.waitForTasks(keys);
    await waitUntil(async () => (await subscribers(k.events)) === 0, {
      what: 'the events channel unsubscribed after the wait',
    });
    // The next wait subscribes again and is woken by a finish.
    const [key] = await w.pushRunningTasks([{ x: 4 }]);
    const waiting = rush.waitForTasks([key!]);
    await waitUntil(async () => (await subscribers(k.events)) === 1, {
      what: 'the subscription of the next wait',
    });
    await w.finishTasks([key!], [{ y: 4 }]);
    await waiting;
  });
});
