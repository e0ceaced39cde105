/**
 * No task is left stranded when its holder goes away: a dead manager's pending pop goes back
 * to the queue on detectLostWorkers; a worker that terminates, or whose loop returns, while it
 * holds running tasks fails them instead of leaving them running.
 */
import { describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, rawClient, waitUntil, worker } from '../helpers/network.js';

describe('no stranded task', () => {
  it("a dead manager's pending pop goes back to the queue on detectLostWorkers", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    // A manager whose blocking pop took the task and which died before claiming it.
    const raw = rawClient();
    const dead = `manager-${newNetworkId()}`;
    await raw.sadd(new RushKeys(id).poppers, dead);
    await raw.lmove(new RushKeys(id).queued, new RushKeys(id).pending(dead), 'LEFT', 'RIGHT');
    expect(await rush.queuedTasks()).toEqual([]);
    await rush.detectLostWorkers();
    expect(await rush.queuedTasks()).toEqual([key]);
    expect(await rush.popTask({ timeout: 0 })).toMatchObject({ key });
  });

  it('a worker that terminates while holding a task fails it instead of leaving it running', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [held, done] = await w.pushRunningTasks([{ x: 1 }, { x: 2 }]);
    await w.finishTasks([done!], [{ y: 2 }]);
    await w.setTerminated();
    expect(await rush.tasksWithState(['running', 'finished', 'failed'])).toEqual({
      running: [],
      finished: [done],
      failed: [held],
    });
    const [failed] = await rush.fetchFailedTasks();
    expect(failed?.condition?.message).toBe('Worker terminated before finishing the task');
    expect(await rush.terminatedWorkerIds()).toEqual([w.workerId]);
  });

  it('a loop that returns with tasks still running leaves none running', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushRunningTasks([{ x: 1 }]);
      },
      { nWorkers: 1 },
    );
    const child = rush.processes.get(id!)!;
    await waitUntil(() => child.exitCode !== null, {
      timeoutMs: 30_000,
      what: 'the worker to finish',
    });
    expect(child.exitCode).toBe(0);
    expect(await rush.nRunningTasks()).toBe(0);
    const [row] = await rush.fetchFailedTasks();
    expect(row?.condition).toEqual({ message: 'Worker terminated before finishing the task' });
    expect(await rush.detectLostWorkers()).toEqual([]);
  });
});
