/**
 * Task timestamps: `created_at`, `started_at`, `finished_at` come from the Redis server's clock
 * (one clock for every host), are in order, and reach every read: rows of each fetch method's
 * defaults, named fields, popTask, the finished-records log and its columns.
 */
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { manager, newNetworkId, rawClient, worker } from '../helpers/network.js';

/** The server's clock in ms, as the scripts read it. */
async function serverMs(raw: Redis): Promise<number> {
  const [s, us] = await raw.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe('task timestamps', () => {
  it('are the server clock at each move, in order, in every read of the task', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const raw = rawClient();
    const before = await serverMs(raw);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    const [queued] = await rush.fetchQueuedTasks();
    expect(queued!.created_at).toBeGreaterThanOrEqual(before);
    expect(queued).not.toHaveProperty('started_at');
    expect(queued).not.toHaveProperty('finished_at');

    const task = await w.popTask({ fields: ['xs', 'created_at', 'started_at'] });
    expect(task).toEqual({
      key,
      xs: { x: 1 },
      created_at: queued!.created_at,
      started_at: expect.any(Number),
    });
    const [running] = await rush.fetchRunningTasks();
    expect(running).toMatchObject({ created_at: task!.created_at, started_at: task!.started_at });
    expect(running!.started_at).toBeGreaterThanOrEqual(running!.created_at!);

    await w.finishTasks([key!], [{ y: 2 }]);
    const after = await serverMs(raw);
    const [row] = await rush.fetchFinishedTasks();
    expect(row).toMatchObject({ key, x: 1, y: 2, started_at: task!.started_at });
    expect(row!.finished_at).toBeGreaterThanOrEqual(row!.started_at!);
    expect(row!.finished_at).toBeLessThanOrEqual(after);
    expect(Number.isInteger(row!.finished_at)).toBe(true);
    // The same numbers from the hashes, the snapshot read and the columns of the records log.
    const [fromHash] = await rush.fetchTasks();
    expect(fromHash).toMatchObject({
      created_at: row!.created_at,
      started_at: row!.started_at,
      finished_at: row!.finished_at,
    });
    const [withState] = await rush.fetchTasksWithState();
    expect(withState).toMatchObject({ state: 'finished', finished_at: row!.finished_at });
    const columns = await rush.fetchFinishedTasks({ columns: true });
    expect(columns.created_at).toBeInstanceOf(Float64Array);
    expect([...(columns.finished_at as Float64Array)]).toEqual([row!.finished_at]);
    expect(await rush.readHash(key!, ['created_at', 'finished_at'])).toEqual({
      key,
      created_at: row!.created_at,
      finished_at: row!.finished_at,
    });
  });

  it('gives each created state its times, and failed tasks their finish time', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const [running] = await rush.pushRunningTasks([{ x: 1 }]);
    const [finished] = await rush.pushFinishedTasks([{ x: 2 }], [{ y: 2 }]);
    const [failed] = await rush.pushFailedTasks([{ x: 3 }]);
    const [removed] = await rush.pushTasks([{ x: 4 }]);
    await rush.emptyQueue();
    const rows = new Map((await rush.fetchTasks()).map((r) => [r.key, r]));
    const times = (key: string) => {
      const r = rows.get(key)!;
      return ['created_at', 'started_at', 'finished_at'].filter((f) => typeof r[f] === 'number');
    };
    expect(times(running!)).toEqual(['created_at', 'started_at']);
    expect(times(finished!)).toEqual(['created_at', 'started_at', 'finished_at']);
    expect(times(failed!)).toEqual(['created_at', 'finished_at']);
    expect(times(removed!)).toEqual(['created_at', 'finished_at']);
    expect(rows.get(removed!)!.finished_at).toBeGreaterThanOrEqual(rows.get(removed!)!.created_at!);
    // A task without retries has no try count.
    expect(rows.get(running!)).not.toHaveProperty('tries');
  });
});
