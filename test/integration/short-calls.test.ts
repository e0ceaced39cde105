/**
 * Short server calls (docs/concepts.md: no single Redis call blocks the server for long): reading
 * collections of 50,000–100,000 tasks, and failing a lost worker's tasks among 200,000 running
 * ones, are split into calls that each hold the server briefly. The evidence is the server's
 * own SLOWLOG, on a private server (no other test file adds to it): after each step it holds no
 * command slower than SLOW_US. One script over the whole collection (the code before) takes
 * longer than that even on an idle machine; the split calls stay far below it, with room for a
 * loaded machine, where any command can be held up by the scheduler.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Rush, RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import * as calls from '../../src/redis/scripts/calls.js';
import { runScript } from '../../src/redis/scripts/index.js';
import { encodeValue } from '../../src/tasks/codec.js';
import { manager, newNetworkId, waitUntil, worker } from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { withoutTimes } from '../helpers/times.js';

/** Queued tasks: a queue's snapshot (LRANGE) costs less than a set's, its old script too. */
const N_QUEUED = 100_000;
/** Running and failed tasks read. */
const N = 50_000;
/** Running tasks of another worker around a lost worker's. */
const N_AROUND = 200_000;
/**
 * The slowest command allowed, in µs. Idle: a chunk takes a few ms, a snapshot 10–40 ms, a
 * whole-collection script 270–650 ms. Under a load of 9 on 2 cores: up to 165 ms against
 * 500–1,040 ms.
 */
const SLOW_US = 250_000;
const LOST = { message: 'Worker has crashed or was killed' };
const LONG = { timeout: 300_000 };

let server: RedisServer;
let admin: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  admin = new Redis(server.url);
  await admin.config('SET', 'slowlog-log-slower-than', String(SLOW_US));
  await admin.config('SET', 'slowlog-max-len', '1000');
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

/** A network on the private server: a manager and a worker. */
async function network(workerOptions = {}): Promise<{ id: string; rush: Rush; w: RushWorker }> {
  const id = newNetworkId();
  const rush = await manager(id, server.url);
  const w = await worker(id, { config: server.url, ...workerOptions });
  return { id, rush, w };
}

/** Creates `n` tasks through `push`, 5,000 per call; returns their keys in order. */
async function many(
  n: number,
  push: (xss: { x: number }[]) => Promise<string[]>,
): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i += 5000) {
    const xss = Array.from({ length: Math.min(5000, n - i) }, (_, j) => ({ x: i + j }));
    keys.push(...(await push(xss)));
  }
  return keys;
}

/** Runs `step` with an empty SLOWLOG; returns its result and the commands slower than SLOW_US. */
async function measured<T>(step: () => Promise<T>): Promise<[T, string[]]> {
  await admin.slowlog('RESET');
  const result = await step();
  const log = (await admin.slowlog('GET', 1000)) as [number, number, number, string[]][];
  const slow = log
    .map(([, , us, args]) => `${String(args[0]).toLowerCase()} ${args.length} args: ${us} µs`)
    .filter((entry) => !/^(slowlog|config) /.test(entry));
  return [result, slow];
}

/**
 * The marking step of losing a worker alone (lose_workers.lua with no running task looked at),
 * as if its manager died right after it: the worker is terminated, its running tasks are noted
 * for the sweep but still running.
 */
function markLost(rush: Rush, workerId: string): Promise<string[]> {
  const call = calls.loseWorkers(new RushKeys(rush.networkId), {
    workerIds: [workerId],
    condition: encodeValue(LOST, 'condition'),
    expiredHeartbeats: false,
    sweepLimit: 0,
  });
  return runScript(rush.connector, call);
}

describe('short server calls', () => {
  it('reads 100,000 queued and 50,000 running and failed tasks in short calls', LONG, async () => {
    const { rush, w } = await network();
    const queued = await many(N_QUEUED, (xss) => rush.pushTasks(xss));
    const running = await many(N, (xss) => w.pushRunningTasks(xss));
    const failed = await many(N, (xss) => rush.pushFailedTasks(xss));
    const finished = await rush.pushFinishedTasks([{ x: -1 }], [{ y: 1 }]);
    const xOf = new Map([queued, running, failed].flatMap((keys) => keys.map((k, i) => [k, i])));

    const [queuedRows, slowQueued] = await measured(() => rush.fetchQueuedTasks());
    expect(slowQueued).toEqual([]);
    expect(withoutTimes(queuedRows)).toEqual(queued.map((key, i) => ({ key, x: i }))); // queue order

    const [runningRows, slowRunning] = await measured(() => rush.fetchRunningTasks());
    expect(slowRunning).toEqual([]);
    // A set's order: its members' order, as runningTasks() lists them.
    const runningOrder = await rush.runningTasks();
    expect(runningOrder).toHaveLength(N);
    expect(withoutTimes(runningRows)).toEqual(
      runningOrder.map((key) => ({ key, x: xOf.get(key), worker_id: w.workerId })),
    );

    const [failedRows, slowFailed] = await measured(() => rush.fetchFailedTasks());
    expect(slowFailed).toEqual([]);
    const failedOrder = await rush.failedTasks();
    expect(failedOrder).toHaveLength(N);
    expect(withoutTimes(failedRows)).toEqual(
      failedOrder.map((key) => ({ key, x: xOf.get(key), condition: { message: 'Task failed' } })),
    );

    const [rows, slowAll] = await measured(() => rush.fetchTasksWithState({ fields: ['xs'] }));
    expect(slowAll).toEqual([]);
    expect(rows).toHaveLength(N_QUEUED + 2 * N + 1);
    const states = new Map(rows.map((r) => [r.key, r.state]));
    expect(states.size).toBe(rows.length); // every task once
    for (const [keys, state] of [
      [queued, 'queued'],
      [running, 'running'],
      [failed, 'failed'],
      [finished, 'finished'],
    ] as const) {
      for (const key of keys) expect(states.get(key)).toBe(state);
    }
    expect(rows.slice(0, N_QUEUED).map((r) => r.key)).toEqual(queued); // first, in queue order
  });

  it('keeps the state of the snapshot and drops a task whose hash vanished after it', async () => {
    const { id, rush, w } = await network();
    const queued = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const [running] = await w.pushRunningTasks([{ x: 3 }]);
    const k = new RushKeys(id);
    const warn = vi.spyOn(rush.logger, 'warn');
    // Right after the snapshot, before the hashes are read: on the same connection, so these
    // run in between. One queued task's hash vanishes; the running task moves to failed.
    const pipeline = rush.connector.pipeline.bind(rush.connector);
    vi.spyOn(rush.connector, 'pipeline').mockImplementationOnce((...args) => {
      void rush.connector.del(k.task(queued[0]!));
      void rush.connector.smove(k.running, k.failed, running!);
      void rush.connector.hset(k.task(running!), 'state', 'failed');
      return pipeline(...args);
    });
    const rows = await rush.fetchTasksWithState({ fields: ['xs'] });
    expect(rows).toEqual([
      { key: queued[1], x: 2, state: 'queued' },
      { key: running, x: 3, state: 'running' },
    ]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ keys: [queued[0]], count: 1 }),
      expect.stringContaining('have no data in Redis'),
    );
    await rush.reset(); // the vanished hash breaks the network's invariants: start clean
  });

  it(
    'fails the running tasks of a lost worker among 200,000 running tasks in short calls',
    LONG,
    async () => {
      const { id, rush, w } = await network();
      const others = await many(N_AROUND, (xss) => w.pushRunningTasks(xss));
      const lost = await worker(id, { config: server.url, heartbeatPeriod: 1, heartbeatExpire: 1 });
      const theirs = await lost.pushRunningTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
      await lost.close(); // its heartbeat stops without a terminate: it will be lost
      await waitUntil(
        async () => (await admin.exists(new RushKeys(id).heartbeat(lost.workerId))) === 0,
        {
          what: 'the heartbeat to expire',
        },
      );

      const [ids, slow] = await measured(() => rush.detectLostWorkers());
      expect(slow).toEqual([]);
      expect(ids).toEqual([lost.workerId]);
      expect(await rush.isFailedTask(theirs)).toEqual([true, true, true]);
      expect((await rush.readHashes(theirs, ['condition'])).map((r) => r.condition)).toEqual([
        LOST,
        LOST,
        LOST,
      ]);
      expect(await rush.nRunningTasks()).toBe(N_AROUND);
      expect((await rush.isRunningTask(others)).every(Boolean)).toBe(true);
      expect(await admin.exists(new RushKeys(id).lostSweep)).toBe(0);

      // A kill among them too.
      const killed = await worker(id, { config: server.url });
      const its = await killed.pushRunningTasks([{ x: 4 }]);
      const [stopped, slowKill] = await measured(() =>
        rush.stopWorkers({ workerIds: [killed.workerId] }),
      );
      expect(slowKill).toEqual([]);
      expect(stopped).toEqual([killed.workerId]);
      expect(await rush.readHashes(its, ['state', 'condition'])).toEqual([
        { key: its[0], state: 'failed', condition: { message: 'Worker was killed' } },
      ]);
      expect(await rush.nRunningTasks()).toBe(N_AROUND);
    },
  );

  it('finishes a sweep left half-done at the next detectLostWorkers', async () => {
    const { id, rush, w } = await network();
    const others = await many(5000, (xss) => w.pushRunningTasks(xss));
    const lost = await worker(id, { config: server.url });
    const theirs = await lost.pushRunningTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    const k = new RushKeys(id);
    const marked = await markLost(rush, lost.workerId);
    expect(marked).toEqual([lost.workerId]);
    expect(await rush.isRunningTask(theirs)).toEqual([true, true, true]);
    expect(await admin.hkeys(k.lostSweep)).toEqual([lost.workerId]);
    // And one chunk of the sweep done before the crash.
    expect(await runScript(rush.connector, calls.sweepLostTasks(k, [theirs[0]!, others[0]!]))).toBe(
      1,
    );

    expect(await rush.detectLostWorkers()).toEqual([]); // it was already moved
    expect(await rush.isFailedTask(theirs)).toEqual([true, true, true]);
    expect((await rush.readHashes(theirs, ['condition'])).map((r) => r.condition)).toEqual([
      LOST,
      LOST,
      LOST,
    ]);
    expect(await rush.nRunningTasks()).toBe(5000);
    expect(await admin.exists(k.lostSweep)).toBe(0);
  });

  it('reset removes a sweep note', async () => {
    const { id, rush } = await network();
    const k = new RushKeys(id);
    const lost = await worker(id, { config: server.url });
    await lost.pushRunningTasks([{ x: 1 }]);
    await markLost(rush, lost.workerId);
    expect(await admin.exists(k.lostSweep)).toBe(1);
    await rush.reset({ workers: false });
    expect(await admin.exists(k.lostSweep)).toBe(0);
  });
});
