/**
 * Data read from Redis is untrusted input: a stored value that cannot be decoded (corrupted
 * bytes, a foreign writer, a truncated record) drops its task from every read with one warning
 * naming it and the cause, the rest come back intact and in order, and a popped task that
 * cannot be decoded is failed for good while the popper carries on. The bytes are corrupted
 * directly in Redis, behind rushnet's back.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Rush, RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { encodeValue } from '../../src/tasks/codec.js';
import {
  breaksInvariants,
  manager,
  newNetworkId,
  rawClient,
  waitUntil,
  worker,
} from '../helpers/network.js';
import { withoutTimes } from '../helpers/times.js';

/** Bytes no decoder of rushnet's values accepts, each broken in its own way. */
const CORRUPTIONS: [what: string, bytes: Buffer][] = [
  ['truncated', encodeValue({ a: 1, b: 'text' }, 'v').subarray(0, 6)],
  ['trailing bytes', Buffer.concat([encodeValue({ a: 1 }, 'v'), Buffer.from([0x01, 0x02])])],
  ['a map header claiming more entries', Buffer.from([0x8f, 0xa1, 0x61, 0x01])],
  ['an unknown extension', Buffer.from([0xd4, 0x55, 0x00])],
  ['the never-used byte 0xC1', Buffer.from([0xc1])],
  ['JSON from a foreign writer', Buffer.from('{"a": 1}')],
  ['a msgpackr reference', Buffer.from([0xd6, 0x70, 0, 0, 0, 1])],
  ['a huge array header', Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])],
];

/** Overwrites a stored field of a task with `bytes`. */
async function corruptField(rush: Rush, key: string, field: string, bytes: Buffer) {
  breaksInvariants(rush.networkId); // the task can no longer be read as rushnet wrote it
  await rawClient().hset(new RushKeys(rush.networkId).task(key), field, bytes);
}

/** Overwrites the finished-records log entry at `position`. */
async function corruptRecord(rush: Rush, position: number, bytes: Buffer) {
  breaksInvariants(rush.networkId);
  await rawClient().lset(new RushKeys(rush.networkId).finishedRecords, position, bytes);
}

/** Spies on a participant's warnings; `undecodable()` returns those about undecodable data. */
function warnings(rush: Rush) {
  const warn = vi.spyOn(rush.logger, 'warn');
  return {
    undecodable: () =>
      warn.mock.calls.filter(([, message]) => /cannot be decoded/.test(String(message))),
    restore: () => warn.mockRestore(),
  };
}

/** Asserts exactly one undecodable warning, naming `keys`. */
function expectOneWarning(w: ReturnType<typeof warnings>, keys: string[]) {
  const calls = w.undecodable();
  expect(calls).toHaveLength(1);
  const [fields, message] = calls[0]! as [{ keys: string[]; count: number }, string];
  expect(fields.keys).toEqual(keys);
  expect(fields.count).toBe(keys.length);
  expect(message).toContain(keys[0]!);
  expect(message).toMatch(/its (xs|ys|finished record)/);
}

describe('undecodable task data in reads', () => {
  it.each(CORRUPTIONS)(
    'a queued task holding %s drops from every read, alone',
    async (_, bytes) => {
      const rush = await manager();
      const keys = await rush.pushTasks([{ x: 0 }, { x: 1 }, { x: 2 }, { x: 3 }], {
        xssExtra: [{ e: 'extra' }],
      });
      await corruptField(rush, keys[1]!, 'xs', bytes);
      const rest = [0, 2, 3].map((x) => ({ key: keys[x], x, e: 'extra' }));
      const reads: [string, () => Promise<unknown>, unknown][] = [
        ['fetchQueuedTasks', () => rush.fetchQueuedTasks(), rest],
        ['fetchTasks', () => rush.fetchTasks({ fields: ['xs', 'xs_extra'] }), rest],
        [
          'fetchTasksWithState',
          () => rush.fetchTasksWithState({ fields: ['xs', 'xs_extra'] }),
          rest.map((r) => ({ ...r, state: 'queued' })),
        ],
        ['readHashes', () => rush.readHashes(keys, ['xs', 'xs_extra']), rest],
      ];
      for (const [name, read, expected] of reads) {
        const w = warnings(rush);
        expect(withoutTimes((await read()) as object[]), name).toEqual(expected);
        expectOneWarning(w, [keys[1]!]);
        w.restore();
      }
      expect(await rush.readHash(keys[1]!, ['xs'])).toBeNull();
      expect(await rush.readHash(keys[1]!, ['xs_extra'])).toEqual({
        key: keys[1],
        xs_extra: { e: 'extra' },
      });
      expect(await rush.readHash(keys[2]!, ['xs'])).toEqual({ key: keys[2], xs: { x: 2 } });
    },
  );

  it('running and failed tasks, and several bad ones in one read: one warning names them all', async () => {
    const networkId = newNetworkId();
    const rush = await manager(networkId);
    const w = await worker(networkId);
    const running = await w.pushRunningTasks([{ x: 0 }, { x: 1 }, { x: 2 }]);
    const failed = await rush.pushFailedTasks([{ x: 3 }, { x: 4 }]);
    await corruptField(rush, running[0]!, 'xs', CORRUPTIONS[0]![1]);
    await corruptField(rush, running[2]!, 'xs', CORRUPTIONS[1]![1]);
    await corruptField(rush, failed[1]!, 'condition', CORRUPTIONS[3]![1]);
    const spy = warnings(rush);
    const rows = await rush.fetchRunningTasks();
    expect(withoutTimes(rows)).toEqual([{ key: running[1], x: 1, worker_id: w.workerId }]);
    const named = spy.undecodable()[0]![0] as { keys: string[] };
    expect(spy.undecodable()).toHaveLength(1);
    expect([...named.keys].sort()).toEqual([running[0]!, running[2]!].sort());
    spy.restore();
    const failedRows = await rush.fetchFailedTasks();
    expect(failedRows.map((r) => r.key)).toEqual([failed[0]]);
    // A value nobody asked for is not decoded: it drops nothing.
    expect((await rush.fetchFailedTasks({ fields: ['xs'] })).map((r) => r.x).sort()).toEqual([
      3, 4,
    ]);
  });

  it('a bad value in the middle of a large read drops only its task, the rest in order', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks(Array.from({ length: 4500 }, (_, x) => ({ x })));
    const bad = [10, 2001, 4499];
    for (const i of bad) await corruptField(rush, keys[i]!, 'xs', CORRUPTIONS[1]![1]);
    const spy = warnings(rush);
    const rows = await rush.fetchTasks({ fields: ['xs'] });
    expect(rows.map((r) => r.x)).toEqual(
      Array.from({ length: 4500 }, (_, x) => x).filter((x) => !bad.includes(x)),
    );
    expect(rows.map((r) => r.key)).toEqual(keys.filter((_, i) => !bad.includes(i)));
    expectOneWarning(
      spy,
      bad.map((i) => keys[i]!),
    );
    spy.restore();
    expect(await rush.fetchQueuedTasks()).toHaveLength(4500 - bad.length);
  });
});

describe('undecodable finished tasks and the cache', () => {
  it.each(CORRUPTIONS)(
    'a record of the finished log holding %s drops its task; the cache moves past it',
    async (_, bytes) => {
      const rush = await manager();
      const first = await rush.pushFinishedTasks([{ x: 0 }, { x: 1 }, { x: 2 }], [{ y: 0 }]);
      await corruptRecord(rush, 1, bytes);
      const fresh = await manager(rush.networkId);
      const spy = warnings(fresh);
      const expected = [0, 2].map((x) => ({ key: first[x], x, y: 0 }));
      expect(withoutTimes(await fresh.fetchFinishedTasks())).toEqual(expected);
      expectOneWarning(spy, [first[1]!]);
      expect(spy.undecodable()[0]![1]).toMatch(/finished record/);
      spy.restore();
      expect(withoutTimes(await fresh.fetchNewTasks())).toEqual(expected);
      const columns = await fresh.fetchFinishedTasks({ columns: true });
      expect(columns.key).toEqual([first[0], first[2]]);
      expect(Array.from(columns.x as Float64Array)).toEqual([0, 2]);
      // Later tasks still arrive; the bad one never comes back nor shifts the cache.
      const later = await rush.pushFinishedTasks([{ x: 3 }], [{ y: 0 }]);
      const again = warnings(fresh);
      expect(withoutTimes(await fresh.fetchFinishedTasks())).toEqual([
        ...expected,
        { key: later[0], x: 3, y: 0 },
      ]);
      expect(withoutTimes(await fresh.fetchNewTasks())).toEqual([{ key: later[0], x: 3, y: 0 }]);
      expect((await fresh.fetchFinishedTasks({ columns: true })).key).toEqual([
        first[0],
        first[2],
        later[0],
      ]);
      expect(again.undecodable()).toHaveLength(0); // read once, warned once
      again.restore();
      const withState = await fresh.fetchTasksWithState({ states: ['finished'] });
      expect(withState.map((r) => r.key)).toEqual([first[0], first[2], later[0]]);
      // The columns hold no column made up from the bad bytes.
      expect(Object.keys(columns).sort()).toEqual([
        'created_at',
        'finished_at',
        'key',
        'started_at',
        'x',
        'y',
      ]);
    },
  );

  it('bad records among thousands: rows and columns keep the rest in finish order', async () => {
    const rush = await manager();
    const n = 12_500;
    const keys = await rush.pushFinishedTasks(
      Array.from({ length: n }, (_, i) => ({ i })),
      [{ y: 1 }],
    );
    const bad = [3, 999, 1000, 11_000, n - 1];
    for (const [j, i] of bad.entries()) {
      await corruptRecord(rush, i, CORRUPTIONS[j % CORRUPTIONS.length]![1]);
    }
    const kept = keys.filter((_, i) => !bad.includes(i));
    for (const columns of [false, true]) {
      const fresh = await manager(rush.networkId);
      const spy = warnings(fresh);
      if (columns) {
        const read = await fresh.fetchFinishedTasks({ columns: true });
        expect(read.key).toEqual(kept);
        expect(Array.from(read.i as Float64Array)).toEqual(
          Array.from({ length: n }, (_, i) => i).filter((i) => !bad.includes(i)),
        );
      } else {
        const rows = await fresh.fetchFinishedTasks();
        expect(rows.map((r) => r.key)).toEqual(kept);
        expect(rows.every((r) => r.i === keys.indexOf(r.key))).toBe(true);
      }
      expectOneWarning(
        spy,
        bad.map((i) => keys[i]!),
      );
      spy.restore();
    }
  });

  it('a finished task whose hash holds a bad value drops from reads of the hashes', async () => {
    const rush = await manager();
    const keys = await rush.pushFinishedTasks([{ x: 0 }, { x: 1 }, { x: 2 }], [{ y: 0 }]);
    await corruptField(rush, keys[0]!, 'ys', CORRUPTIONS[2]![1]);
    const spy = warnings(rush);
    // Fields the records log does not serve alone are read from the hashes.
    expect(withoutTimes(await rush.fetchFinishedTasks({ fields: ['xs', 'ys'] }))).toEqual([
      { key: keys[1], x: 1, y: 0 },
      { key: keys[2], x: 2, y: 0 },
    ]);
    expectOneWarning(spy, [keys[0]!]);
    spy.restore();
  });

  it('a finished task read whole by key when the log is cut short drops alone too', async () => {
    const rush = await manager();
    const keys = await rush.pushFinishedTasks(
      Array.from({ length: 2500 }, (_, x) => ({ x })),
      [{ y: 0 }],
    );
    await corruptField(rush, keys[2100]!, 'xs', CORRUPTIONS[5]![1]);
    // The last record is gone: the log no longer serves the reads, and that task's values are lost.
    await rawClient().rpop(new RushKeys(rush.networkId).finishedRecords);
    const fresh = await manager(rush.networkId);
    const spy = warnings(fresh);
    const rows = await fresh.fetchFinishedTasks();
    expect(rows.map((r) => r.key)).toEqual(keys.filter((_, i) => i !== 2100 && i !== 2499));
    expectOneWarning(spy, [keys[2100]!, keys[2499]!]);
    spy.restore();
  });

  it.each(CORRUPTIONS)(
    "a finished task whose hash's place of its record holds %s drops from reads by key",
    async (_, bytes) => {
      const rush = await manager();
      const keys = await rush.pushFinishedTasks([{ x: 0 }, { x: 1 }], [{ y: 0 }]);
      await corruptField(rush, keys[0]!, 'finished_index', bytes);
      const spy = warnings(rush);
      expect(withoutTimes(await rush.fetchTasks({ fields: ['xs', 'ys'] }))).toEqual([
        { key: keys[1], x: 1, y: 0 },
      ]);
      expectOneWarning(spy, [keys[0]!]);
      spy.restore();
      expect(await rush.readHash(keys[0]!, ['ys'])).toBeNull();
      expect(await rush.readHash(keys[0]!, ['worker_id', 'finished_at'])).not.toBeNull();
    },
  );

  it('a record a foreign writer replaced drops its task from reads by key, and a write rebuilds it', async () => {
    const rush = await manager();
    const keys = await rush.pushFinishedTasks([{ x: 0 }, { x: 1 }], [{ y: 0 }]);
    // A well-formed record of another task, then bytes of no MessagePack at all.
    const other = await rawClient().lindexBuffer(new RushKeys(rush.networkId).finishedRecords, 1);
    for (const bytes of [other!, CORRUPTIONS[4]![1], Buffer.alloc(0)]) {
      await corruptRecord(rush, 0, bytes);
      const spy = warnings(rush);
      expect(withoutTimes(await rush.fetchTasks({ fields: ['xs', 'ys'] }))).toEqual([
        { key: keys[1], x: 1, y: 0 },
      ]);
      expectOneWarning(spy, [keys[0]!]);
      spy.restore();
    }
    // A write of a value it cannot place in the record stays in the hash, and is read.
    await rush.writeHashes({ ys: [{ y: 9 }] }, { keys: [keys[0]!] });
    expect(await rush.readHash(keys[0]!, ['ys'])).toEqual({ key: keys[0], ys: { y: 9 } });
  });
});

describe('writes over undecodable data', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['a cut map16 header', Buffer.from([0xde])],
    ['a cut map32 header', Buffer.from([0xdf, 0, 1])],
  ])(
    'a running task whose xs is %s still finishes, and then drops from reads',
    async (_, bytes) => {
      const networkId = newNetworkId();
      const rush = await manager(networkId);
      const w = await worker(networkId);
      const keys = await w.pushRunningTasks([{ x: 0 }, { x: 1 }]);
      await corruptField(rush, keys[0]!, 'xs', bytes);
      expect(await w.finishTasks(keys, [{ y: 0 }, { y: 1 }])).toEqual(keys);
      const spy = warnings(rush);
      expect((await rush.fetchFinishedTasks()).map((r) => r.key)).toEqual([keys[1]]);
      expectOneWarning(spy, [keys[0]!]);
      spy.restore();
      expect((await rush.fetchTasks()).map((r) => r.key)).toEqual([keys[1]]);
      // Its other fields stay readable, and writing them rewrites the record as it can.
      await rush.writeHashes({ ys: [{ y: 5 }] }, { keys: [keys[0]!] });
      expect(await rush.readHash(keys[0]!, ['ys'])).toEqual({ key: keys[0], ys: { y: 5 } });
    },
  );
});

describe('undecodable popped tasks', () => {
  it('popTask fails an undecodable task for good and returns the next one', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks([{ x: 0 }, { x: 1 }, { x: 2 }]);
    await corruptField(rush, keys[0]!, 'xs', CORRUPTIONS[0]![1]);
    await corruptField(rush, keys[1]!, 'xs', CORRUPTIONS[4]![1]);
    const spy = vi.spyOn(rush.logger, 'warn');
    const task = await rush.popTask({ timeout: 0 });
    expect(task).toEqual({ key: keys[2], xs: { x: 2 } });
    expect(spy).toHaveBeenCalledWith(
      expect.objectContaining({ keys: [keys[0]] }),
      expect.stringMatching(/cannot be decoded.*failed for good/),
    );
    spy.mockRestore();
    const failed = await rush.fetchFailedTasks({ fields: ['condition'] });
    expect(failed.map((r) => r.key).sort()).toEqual([keys[0], keys[1]].sort());
    for (const row of failed) {
      expect(row.condition).toEqual({
        message: expect.stringMatching(/^Task data could not be decoded: its xs: /),
        undecodable: true,
      });
    }
    expect(await rush.popTask({ timeout: 0 })).toBeNull();
    expect(await rush.nFailedTasks()).toBe(2);
  });

  it('popTasks and a waiting popTask skip undecodable tasks the same way', async () => {
    const networkId = newNetworkId();
    const rush = await manager(networkId);
    const w = await worker(networkId);
    const keys = await rush.pushTasks([{ x: 0 }, { x: 1 }, { x: 2 }]);
    await corruptField(rush, keys[1]!, 'xs', CORRUPTIONS[3]![1]);
    const tasks = await w.popTasks(3, { timeout: 0 });
    expect(tasks.map((t) => t.key)).toEqual([keys[0], keys[2]]);
    // Waiting: the queue is empty, then a foreign writer queues a bad task, then a good one comes.
    const waiting = w.popTask({ timeout: 10 });
    const k = new RushKeys(networkId);
    breaksInvariants(networkId);
    const bad = 'foreign-task';
    await rawClient()
      .multi()
      .hset(k.task(bad), 'xs', CORRUPTIONS[1]![1], 'state', 'queued')
      .rpush(k.tasks, bad)
      .rpush(k.queued, bad)
      .exec();
    const [good] = await rush.pushTasks([{ x: 4 }]);
    expect(await waiting).toEqual({ key: good, xs: { x: 4 } });
    const failed = await rush.fetchFailedTasks({ fields: ['condition'] });
    expect(failed.map((r) => r.key).sort()).toEqual([bad, keys[1]].sort());
  });

  it('processTasks counts an undecodable task among those it took, maxTasks included', async () => {
    const networkId = newNetworkId();
    const rush = await manager(networkId);
    const w = await worker(networkId);
    const keys = await rush.pushTasks([{ x: 0 }, { x: 1 }, { x: 2 }]);
    await corruptField(rush, keys[0]!, 'xs', CORRUPTIONS[2]![1]);
    const handled: unknown[] = [];
    const n = await w.processTasks(
      async (task) => {
        handled.push(task.xs.x);
        return { y: 1 };
      },
      { maxTasks: 2, timeout: 0.1 },
    );
    expect(n).toBe(2);
    expect(handled).toEqual([1]);
    expect(await rush.queuedTasks()).toEqual([keys[2]]);
    expect(await rush.failedTasks()).toEqual([keys[0]]);
  });

  it('a worker process running processTasks fails an undecodable task and carries on', async () => {
    const rush = await manager();
    // The tasks are corrupted before there is a worker to take them.
    const keys = await rush.pushTasks(Array.from({ length: 6 }, (_, x) => ({ x })));
    await corruptField(rush, keys[2]!, 'xs', CORRUPTIONS[0]![1]);
    await corruptField(rush, keys[4]!, 'xs', CORRUPTIONS[6]![1]);
    const [id] = await rush.startLocalWorkers(
      async (worker: RushWorker) => {
        const n = await worker.processTasks(async (task) => ({ y: (task.xs.x as number) * 2 }), {
          timeout: 0.2,
        });
        worker.logger.info(`processed ${n}`);
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: [id!], timeout: 30 });
    await rush.waitForTasks(keys, { timeout: 60 });
    const finished = await rush.fetchFinishedTasks();
    expect(finished.map((r) => [r.x, r.y]).sort()).toEqual([
      [0, 0],
      [1, 2],
      [3, 6],
      [5, 10],
    ]);
    // Their xs cannot be decoded: only the other fields can be read.
    const failed = await rush.fetchFailedTasks({ fields: ['condition', 'worker_id'] });
    expect(failed.map((r) => r.key).sort()).toEqual([keys[2], keys[4]].sort());
    expect(failed.every((r) => (r.condition as { undecodable?: boolean }).undecodable)).toBe(true);
    expect(failed.every((r) => r.worker_id === id)).toBe(true);
    // The worker is still running and takes new tasks.
    const [more] = await rush.pushTasks([{ x: 7 }]);
    await rush.waitForTasks([more!], { timeout: 30 });
    expect(await rush.isRunningTask([more!])).toEqual([false]);
    expect(await rush.runningWorkerIds()).toEqual([id]);
    await rush.stopWorkers({ type: 'terminate' });
    await waitUntil(async () => (await rush.terminatedWorkerIds()).includes(id!), {
      timeoutMs: 20_000,
      what: 'the worker to terminate',
    });
    const log = await rush.readLog({ workerIds: [id!] });
    // Every task it took counts, however it ended.
    expect(log.map((r) => r.msg)).toContain('processed 7');
    expect(log.some((r) => r.level === 'warn' && /cannot be decoded/.test(r.msg))).toBe(true);
  });
});
