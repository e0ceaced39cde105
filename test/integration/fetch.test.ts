/**
 * Reading tasks: fetchFinishedTasks and fetchNewTasks (only what is new, in finish order, with
 * the fields asked for, from the records log or the hashes), fetchTasksWithState (each task once
 * with its state), tasks whose hash vanished (dropped with a warning, rows kept aligned), large
 * reads in ranges, and the finished-task cache (its rows frozen, the caller's array its own).
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { removeRushPlan, rushPlan, storeLargeObject } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { encodeValue } from '../../src/tasks/codec.js';
import {
  breaksInvariants,
  manager,
  newNetworkId,
  rawClient,
  redisUrl,
  tempDir,
  waitUntil,
  worker,
} from '../helpers/network.js';
import { withoutTimes } from '../helpers/times.js';

describe('reading tasks', () => {
  it('fetchFinishedTasks reads only tasks finished since the last call', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const first = await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 1 }, { y: 2 }]);
    expect((await rush.fetchFinishedTasks()).map((r) => r.key)).toEqual(first);
    // Delete a cached task behind the cache's back: a cached read does not look at it again.
    breaksInvariants(id); // deletes keys behind rushnet's back
    await rawClient().del(new RushKeys(id).task(first[0]!));
    const [third] = await rush.pushFinishedTasks([{ x: 3 }], [{ y: 3 }]);
    const rows = await rush.fetchFinishedTasks();
    expect(rows.map((r) => r.key)).toEqual([...first, third]);
    expect(withoutTimes(rows[0]!)).toEqual({ key: first[0], x: 1, y: 1 });
    // After resetCache the deleted task is read again, found missing, and dropped.
    rush.resetCache();
    const warn = vi.spyOn(rush.logger, 'warn');
    expect((await rush.fetchFinishedTasks()).map((r) => r.key)).toEqual([first[1], third]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ keys: [first[0]] }),
      expect.stringMatching(/no data/),
    );
    warn.mockRestore();
  });

  it('fetchFinishedTasks keeps finish order and the requested fields', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys = await w.pushRunningTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    await w.finishTasks([keys[2]!], [{ y: 30 }], { yssExtra: [{ note: 'c' }] });
    await w.finishTasks([keys[0]!], [{ y: 10 }]);
    const rows = await rush.fetchFinishedTasks({ fields: ['xs', 'ys', 'ys_extra'] });
    expect(rows).toEqual([
      { key: keys[2], x: 3, y: 30, note: 'c' },
      { key: keys[0], x: 1, y: 10 },
    ]);
    const withWorker = await rush.fetchFinishedTasks();
    expect(withWorker.map((r) => r.worker_id)).toEqual([w.workerId, w.workerId]);
    // Asking for a field the cache does not hold reads everything again, once.
    await rush.writeHashes({ score: [5] }, { keys: [keys[2]!] });
    const scored = await rush.fetchFinishedTasks({ fields: ['ys', 'score'] });
    expect(scored).toEqual([
      { key: keys[2], y: 30, score: 5 },
      { key: keys[0], y: 10 },
    ]);
  });

  it('builds the same rows from finished records as from hashes, whatever the values hold', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const dir = tempDir();
    // Readers resolve references only to files inside their largeObjectsPath.
    await rushPlan({ config: redisUrl(), largeObjectsPath: dir });
    onTestFinished(() => void removeRushPlan());
    const [plain] = await w.pushFinishedTasks([{ x: 1 }], [{ y: 2, m: new Map([[1, -0]]) }], {
      yssExtra: [{ note: 'n' }],
    });
    const [running] = await w.pushRunningTasks([{ x: 3 }]);
    // A finished task with a condition (writeHashes refuses the field: it is written directly).
    await rawClient().hset(
      new RushKeys(id).task(running!),
      'condition',
      encodeValue({ message: 'odd but allowed' }, 'condition'),
    );
    await w.finishTasks([running!], [{ y: 4 }]);
    const [referenced] = await rush.pushFinishedTasks(
      [{ big: storeLargeObject({ deep: [1, 2] }, dir) }],
      [{ y: 5 }],
    );
    const fromRecords = await rush.fetchFinishedTasks();
    expect(withoutTimes(fromRecords)).toEqual([
      { key: plain, x: 1, y: 2, m: new Map([[1, -0]]), note: 'n', worker_id: w.workerId },
      {
        key: running,
        x: 3,
        y: 4,
        condition: { message: 'odd but allowed' },
        worker_id: w.workerId,
      },
      { key: referenced, big: { deep: [1, 2] }, y: 5 },
    ]);
    expect(Object.is((fromRecords[0]!.m as Map<number, number>).get(1), -0)).toBe(true);
    // The same rows when read by key (the hashes, whose values come from the records).
    expect(await (await manager(id)).fetchTasks()).toEqual(fromRecords);
  });

  it('reads finished tasks by key when the finished-records log is cut short', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }, { x: 3 }], [{ y: 1 }]);
    breaksInvariants(id); // deletes data behind rushnet's back
    await rawClient().rpop(new RushKeys(id).finishedRecords);
    const fresh = await manager(id);
    const warn = vi.spyOn(fresh.logger, 'warn');
    // The values of a finished task live in its record only: the task whose record is gone drops.
    expect(await fresh.fetchFinishedTasks({ fields: ['xs', 'ys'] })).toEqual([
      { key: keys[0], x: 1, y: 1 },
      { key: keys[1], x: 2, y: 1 },
    ]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ keys: [keys[2]] }),
      expect.stringMatching(/cannot be decoded/),
    );
    const [fourth] = await rush.pushFinishedTasks([{ x: 4 }], [{ y: 4 }]);
    expect((await fresh.fetchFinishedTasks()).map((r) => r.key)).toEqual([
      keys[0],
      keys[1],
      fourth,
    ]);
    expect(await fresh.readHash(fourth!, ['xs', 'ys'])).toEqual({
      key: fourth,
      xs: { x: 4 },
      ys: { y: 4 },
    });
    // With the log gone, every finished task drops with a warning, and nothing fails.
    await rawClient().del(new RushKeys(id).finishedRecords);
    expect(await (await manager(id)).fetchFinishedTasks()).toEqual([]);
  });

  it('fetchNewTasks returns each finished task exactly once across calls', async () => {
    const rush = await manager();
    expect(await rush.fetchNewTasks()).toEqual([]);
    const a = await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 1 }]);
    expect((await rush.fetchNewTasks()).map((r) => r.key)).toEqual(a);
    expect(await rush.fetchNewTasks()).toEqual([]);
    const b = await rush.pushFinishedTasks([{ x: 3 }], [{ y: 3 }]);
    // fetchFinishedTasks updates the cache but does not consume what fetchNewTasks returns.
    expect((await rush.fetchFinishedTasks()).map((r) => r.key)).toEqual([...a, ...b]);
    expect((await rush.fetchNewTasks()).map((r) => r.key)).toEqual(b);
    expect(await rush.fetchNewTasks()).toEqual([]);
  });

  it('fetchNewTasks with a timeout wakes when a task finishes', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await w.pushRunningTasks([{ x: 1 }]);
    const waiting = rush.fetchNewTasks({ timeout: 20 });
    const raw = rawClient();
    await waitUntil(
      async () => Number((await raw.pubsub('NUMSUB', new RushKeys(id).events))[1]) > 0,
      { what: 'the subscription' },
    );
    await w.finishTasks([key!], [{ y: 2 }]);
    const rows = await waiting;
    expect(rows.map((r) => r.key)).toEqual([key]);
  });

  it('fetchNewTasks with a timeout returns [] when nothing finishes', async () => {
    const rush = await manager();
    expect(await rush.fetchNewTasks({ timeout: 0.2 })).toEqual([]);
  });

  it('fetchTasksWithState lists every task once with its state', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const queued = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const running = await w.pushRunningTasks([{ x: 3 }]);
    const finished = await w.pushFinishedTasks([{ x: 4 }], [{ y: 4 }]);
    const failed = await rush.pushFailedTasks([{ x: 5 }], { conditions: [{ message: 'no' }] });
    const rows = await rush.fetchTasksWithState();
    const states = Object.fromEntries(rows.map((r) => [r.key, r.state]));
    expect(rows).toHaveLength(5);
    expect(states).toEqual({
      [queued[0]!]: 'queued',
      [queued[1]!]: 'queued',
      [running[0]!]: 'running',
      [finished[0]!]: 'finished',
      [failed[0]!]: 'failed',
    });
    expect(rows.find((r) => r.key === finished[0])).toMatchObject({
      x: 4,
      y: 4,
      state: 'finished',
    });
    const some = await rush.fetchTasksWithState({ states: ['failed', 'running'], fields: ['xs'] });
    expect(some.map((r) => r.state).sort()).toEqual(['failed', 'running']);
  });

  it('fetchTasksWithState never shows a task twice while workers move tasks', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys = await rush.pushTasks(Array.from({ length: 300 }, (_, i) => ({ i })));
    let done = false;
    const moving = (async () => {
      for (;;) {
        const task = await w.popTask({ timeout: 0 });
        if (!task) break;
        await w.finishTasks([task.key], [{ y: 1 }]);
      }
      done = true;
    })();
    let snapshots = 0;
    while (!done) {
      const rows = await rush.fetchTasksWithState({ fields: ['xs'] });
      const seen = rows.map((r) => r.key);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeLessThanOrEqual(keys.length);
      snapshots++;
    }
    await moving;
    expect(snapshots).toBeGreaterThan(0);
    const final = await rush.fetchTasksWithState();
    expect(final.map((r) => r.key).sort()).toEqual([...keys].sort());
    expect(final.every((r) => r.state === 'finished')).toBe(true);
  });

  it('drops tasks whose data vanished, with a warning, keeping rows aligned', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    breaksInvariants(id); // deletes keys behind rushnet's back
    await rawClient().del(new RushKeys(id).task(keys[1]!));
    const warn = vi.spyOn(rush.logger, 'warn');
    const rows = await rush.fetchQueuedTasks();
    expect(withoutTimes(rows)).toEqual([
      { key: keys[0], x: 1 },
      { key: keys[2], x: 3 },
    ]);
    expect(await rush.fetchTasks({ fields: ['xs'] })).toHaveLength(2);
    expect(await rush.readHashes(keys, ['xs'])).toEqual([
      { key: keys[0], x: 1 },
      { key: keys[2], x: 3 },
    ]);
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
  });

  it('drops vanished tasks from a large read too, keeping the rest in order', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushFinishedTasks(
      Array.from({ length: 3000 }, (_, i) => ({ i })),
      [{ y: 0 }],
    );
    const raw = rawClient();
    breaksInvariants(id); // deletes keys behind rushnet's back
    await raw.del(new RushKeys(id).task(keys[10]!), new RushKeys(id).task(keys[2500]!));
    const fresh = await manager(id);
    const warn = vi.spyOn(fresh.logger, 'warn');
    const rows = await fresh.fetchFinishedTasks({ fields: ['xs'] });
    expect(rows.map((r) => r.key)).toEqual(keys.filter((_, i) => i !== 10 && i !== 2500));
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ count: 2 }),
      expect.stringMatching(/no data/),
    );
    warn.mockRestore();
  });

  it('drops vanished tasks from a large read of the records log, keeping the rest in order', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushFinishedTasks(
      Array.from({ length: 23_000 }, (_, i) => ({ i })),
      [{ y: 0 }],
    );
    breaksInvariants(id); // deletes keys behind rushnet's back
    const gone = [5, 12_000, 22_999];
    await rawClient().del(...gone.map((i) => new RushKeys(id).task(keys[i]!)));
    const fresh = await manager(id);
    const warn = vi.spyOn(fresh.logger, 'warn');
    const rows = await fresh.fetchFinishedTasks();
    expect(rows.map((r) => r.key)).toEqual(keys.filter((_, i) => !gone.includes(i)));
    expect(rows.map((r) => r.i)).toEqual(
      Array.from({ length: 23_000 }, (_, i) => i).filter((i) => !gone.includes(i)),
    );
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ count: 3 }),
      expect.stringMatching(/no data/),
    );
    warn.mockRestore();
  });

  it('reads a large finished archive in chunks and then only what is new', async () => {
    const rush = await manager();
    const n = 25_000;
    const xss = Array.from({ length: n }, (_, i) => ({ i }));
    await rush.pushFinishedTasks(xss, [{ y: 0 }]);
    const rows = await rush.fetchFinishedTasks({ fields: ['xs'] });
    expect(rows).toHaveLength(n);
    expect(rows.map((r) => r.i)).toEqual(xss.map((x) => x.i));
    await rush.pushFinishedTasks([{ i: n }], [{ y: 0 }]);
    const again = await rush.fetchFinishedTasks({ fields: ['xs'] });
    expect(again).toHaveLength(n + 1);
    expect(again[n]).toEqual({ key: expect.any(String), i: n });
  });
});

describe('reading a large task list', () => {
  it('fetchTasks reads 25,000 tasks in ranges, all of them, in creation order', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks(Array.from({ length: 25_000 }, (_, x) => ({ x })));
    const rows = await rush.fetchTasks({ fields: ['xs'] });
    expect(rows.map((r) => r.key)).toEqual(keys);
    expect(rows[24_999]).toEqual({ key: keys[24_999], x: 24_999 });
  });
});

describe('the finished-task cache', () => {
  it('returns frozen rows: a caller cannot change what the next call returns', async () => {
    const rush = await manager();
    await rush.pushFinishedTasks([{ x: 1, list: [1, 2] }], [{ y: 1, nested: { a: 1 } }]);
    const rows = await rush.fetchFinishedTasks();
    const row = rows[0]!;
    expect(Object.isFrozen(row)).toBe(true);
    expect(() => {
      (row as Record<string, unknown>).y = 99;
    }).toThrow(TypeError);
    expect(() => (row.list as number[]).push(3)).toThrow(TypeError);
    expect(() => {
      (row.nested as Record<string, number>).a = 2;
    }).toThrow(TypeError);
    // The array itself is the caller's: sorting or emptying it does not touch the cache.
    rows.length = 0;
    const again = await rush.fetchFinishedTasks();
    expect(withoutTimes(again)).toEqual([
      { key: row.key, x: 1, list: [1, 2], y: 1, nested: { a: 1 } },
    ]);
  });
});
