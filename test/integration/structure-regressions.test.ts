/**
 * Regression tests for the defects found while splitting the manager into parts (issue 9):
 * writeHashes' checks, one truth per task, frozen cached rows, a read-only network id, full
 * paths in errors, and a worker whose heartbeat fails for good.
 */
import { describe, expect, it } from 'vitest';
import { Rush, RushInputError, storeLargeObject } from '../../src/index.js';
import {
  manager,
  newNetworkId,
  rawClient,
  redisUrl,
  scanNetworkKeys,
  tempDir,
  waitUntil,
  worker,
} from '../helpers/network.js';
import { withoutTimes } from '../helpers/times.js';

describe('writeHashes', () => {
  it('refuses fewer keys than values, writing nothing', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const before = await scanNetworkKeys(rawClient(), id);
    const error = await rush
      .writeHashes({ a: [1, 2, 3] }, { keys: ['k1'] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RushInputError);
    expect((error as RushInputError).argument).toBe('values.a');
    expect((error as Error).message).toMatch(/length of keys \(1\)/);
    expect(await scanNetworkKeys(rawClient(), id)).toEqual(before);
  });

  it('refuses to write state, worker_id or the record index', async () => {
    const rush = await manager();
    const [key] = await rush.pushTasks([{ x: 1 }]);
    for (const field of ['state', 'worker_id', 'finished_index']) {
      await expect(rush.writeHashes({ [field]: ['x'] }, { keys: [key!] })).rejects.toThrow(
        RushInputError,
      );
    }
    expect(await rush.tasksWithState(['queued'])).toEqual({ queued: [key] });
    expect(await rush.readHash(key!, ['state', 'worker_id'])).toEqual({
      key,
      state: 'queued',
    });
  });

  it('changing a finished task is seen by every read path, also by a fresh manager', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const [a, b] = await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 1 }, { y: 2 }]);
    await rush.writeHashes({ ys: [{ y: 10 }], xs_extra: [{ note: 'fixed' }] }, { keys: [a!] });
    const fresh = await manager(id);
    const finished = await fresh.fetchFinishedTasks();
    const all = await fresh.fetchTasks();
    const byKey = (rows: Record<string, unknown>[]) => rows.find((r) => r.key === a);
    expect(byKey(finished)).toMatchObject({ key: a, x: 1, y: 10, note: 'fixed' });
    expect(byKey(all)).toMatchObject({ key: a, x: 1, y: 10, note: 'fixed' });
    expect(finished.find((r) => r.key === b)).toMatchObject({ x: 2, y: 2 });
    expect(await fresh.readHash(a!, ['ys'])).toEqual({ key: a, ys: { y: 10 } });
    // A task finished by a worker (not pushed finished) behaves the same.
    const w = await worker(id);
    const [c] = await w.pushRunningTasks([{ x: 3 }]);
    await w.finishTasks([c!], [{ y: 3 }]);
    await rush.writeHashes({ ys: [{ y: 30 }] }, { keys: [c!] });
    const again = await (await manager(id)).fetchFinishedTasks();
    expect(again.find((r) => r.key === c)).toMatchObject({ x: 3, y: 30 });
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

describe('input checks', () => {
  it('networkId cannot be reassigned at run time', async () => {
    const rush = await manager();
    const id = rush.networkId;
    expect(() => {
      (rush as unknown as { networkId: string }).networkId = 'other';
    }).toThrow(TypeError);
    expect(rush.networkId).toBe(id);
  });

  it('names a directory in full when it does not exist', async () => {
    const missing = `${tempDir()}/${'a-rather-long-directory-name-'.repeat(4)}missing`;
    let error: unknown;
    try {
      storeLargeObject({ x: 1 }, missing);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RushInputError);
    expect((error as Error).message).toContain(JSON.stringify(missing));
    const rush = await manager();
    await expect(
      rush.startLocalWorkers(async () => {}, { nWorkers: 1, messageLog: missing }),
    ).rejects.toThrow(JSON.stringify(missing));
  });
});

describe('a heartbeat worker', () => {
  it('asked to terminate, terminates cleanly (no failure reported)', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, { heartbeatPeriod: 1 });
    await rush.stopWorkers({ type: 'terminate', workerIds: [w.workerId] });
    await waitUntil(() => w.terminated, { what: 'the terminate request to arrive' });
    expect(w.sentinelFailure).toBeUndefined();
  });

  it('writes a heartbeat Redis lost again, but not once it was declared lost (it stops)', async () => {
    const id = newNetworkId();
    await manager(id);
    const w = await worker(id, { heartbeatPeriod: 1, heartbeatExpire: 2 });
    const raw = rawClient();
    const heartbeat = `rush:{${id}}:heartbeat:${w.workerId}`;
    await raw.del(heartbeat); // lost by Redis (say a failover): the worker is still running
    await waitUntil(async () => (await raw.exists(heartbeat)) === 1, {
      what: 'the heartbeat to be written again',
    });
    // Declared lost (as detectLostWorkers does): the heartbeat is not brought back.
    await raw.smove(`rush:{${id}}:running_workers`, `rush:{${id}}:terminated_workers`, w.workerId);
    await raw.del(heartbeat);
    await waitUntil(() => w.terminated, { what: 'the worker to see it was dropped' });
    expect(await raw.exists(heartbeat)).toBe(0);
  });
});

describe('a heartbeat that fails for good', () => {
  it('fails the worker clearly (logged, terminated) instead of letting it be declared lost', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, {
      heartbeatPeriod: 1,
      logThresholds: { rushnet: 'info' },
    });
    // Make the running-workers set a string: every flag check now gets WRONGTYPE, for good.
    const raw = rawClient();
    const runningWorkers = `rush:{${id}}:running_workers`;
    await raw.del(runningWorkers);
    await raw.set(runningWorkers, 'not a set');
    await waitUntil(() => w.sentinelFailure, { what: 'the sentinel to give up' });
    expect(w.sentinelFailure).toMatch(/WRONGTYPE/);
    expect(w.terminated).toBe(true);
    await raw.del(runningWorkers);
    const log = await waitUntil(
      async () => {
        const records = await rush.readLog({ workerIds: [w.workerId] });
        return records.find((r) => r.level === 'error') ? records : undefined;
      },
      { what: 'the error record in the worker log' },
    );
    expect(log.some((r) => /failed for good/.test(r.msg))).toBe(true);
  });
});

describe('a manager that is not connected', () => {
  it('says so instead of failing obscurely', () => {
    const rush = new Rush({ networkId: newNetworkId(), config: redisUrl() });
    expect(() => rush.connector).toThrow(/not connected/);
  });
});

describe('a worker that is no longer running', () => {
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

describe('no stranded task', () => {
  it("a dead manager's pending pop goes back to the queue on detectLostWorkers", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    // A manager whose blocking pop took the task and which died before claiming it.
    const raw = rawClient();
    const dead = `manager-${newNetworkId()}`;
    await raw.sadd(`rush:{${id}}:poppers`, dead);
    await raw.lmove(`rush:{${id}}:queued`, `rush:{${id}}:pending:${dead}`, 'LEFT', 'RIGHT');
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
});
