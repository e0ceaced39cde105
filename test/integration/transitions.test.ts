/**
 * The transition table is what the code does: each row of src/tasks/states.ts is performed
 * against a real Redis, the way the row says (its public method, or the script or BLMOVE that
 * performs it), and the task must then be exactly where the row says, with the hash's state and
 * the fields the row names.
 */
import { describe, expect, it } from 'vitest';
import type { Rush, RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import * as calls from '../../src/redis/scripts/calls.js';
import { runScript } from '../../src/redis/scripts/index.js';
import { encodeValue } from '../../src/tasks/codec.js';
import { type Endpoint, TRANSITIONS } from '../../src/tasks/states.js';
import { manager, newNetworkId, rawClient, waitUntil, worker } from '../helpers/network.js';

interface Context {
  rush: Rush;
  w: RushWorker;
  k: RushKeys;
  raw: ReturnType<typeof rawClient>;
}

const condition = encodeValue({ message: 'boom' }, 'condition');

/** Puts a queued task into `popper`'s pending list, as a blocking pop does. */
async function blockingMove(c: Context, popper: string): Promise<string> {
  const [key] = await c.rush.pushTasks([{ x: 1 }]);
  await c.raw.sadd(c.k.poppers, popper);
  expect(await c.raw.blmove(c.k.queued, c.k.pending(popper), 'LEFT', 'RIGHT', 1)).toBe(key);
  return key!;
}

/** A task with one retry, popped by the worker. */
async function runningWithRetry(c: Context, retryDelay = 0): Promise<string> {
  const [key] = await c.rush.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay });
  expect((await c.w.popTask({ timeout: 0 }))?.key).toBe(key);
  return key!;
}

function completeAndPop(c: Context, completions: calls.Completion[], count: number) {
  return runScript(
    c.w.connector,
    calls.completeAndPop(c.k, {
      popperId: c.w.workerId,
      workerId: c.w.workerId,
      completions,
      count,
      request: `r-${Math.random()}`,
      fields: [],
    }),
  );
}

/** How each row is performed; returns the key of the task it moved. */
const PERFORM: Record<string, (c: Context) => Promise<string>> = {
  pushTasks: async (c) => (await c.rush.pushTasks([{ x: 1 }]))[0]!,
  pushRunningTasks: async (c) => (await c.w.pushRunningTasks([{ x: 1 }]))[0]!,
  pushFinishedTasks: async (c) => (await c.rush.pushFinishedTasks([{ x: 1 }], [{ y: 1 }]))[0]!,
  pushFailedTasks: async (c) => (await c.rush.pushFailedTasks([{ x: 1 }]))[0]!,
  'popTask / processTasks waiting on an empty queue': (c) => blockingMove(c, c.w.workerId),
  'popTask / popTasks (a pending claim first)': async (c) => {
    const key = await blockingMove(c, c.w.workerId);
    expect((await c.w.popTask({ timeout: 0 }))?.key).toBe(key);
    return key;
  },
  'a pop by a worker no longer running gives its claim back': async (c) => {
    const key = await blockingMove(c, c.w.workerId);
    await c.raw.smove(c.k.runningWorkers, c.k.terminatedWorkers, c.w.workerId);
    const call = calls.popTask(c.k, {
      popperId: c.w.workerId,
      workerId: c.w.workerId,
      claim: key,
      count: 1,
      request: 'r',
      fields: [],
    });
    expect(await runScript(c.w.connector, call)).toBe(-1);
    return key;
  },
  'a pop once a retry is due: due tasks join the back of the queue first': async (c) => {
    const key = await runningWithRetry(c, 0.05);
    await c.w.failTasks([key]);
    const due = Number(await c.raw.zscore(c.k.delayed, key));
    await waitUntil(async () => {
      const [s, us] = await c.raw.time();
      return Number(s) * 1000 + Number(us) / 1000 > due;
    });
    // A pop that takes nothing still moves the due tasks first.
    const call = calls.popTask(c.k, {
      popperId: c.w.workerId,
      workerId: c.w.workerId,
      claim: '',
      count: 0,
      request: 'r',
      fields: [],
    });
    await runScript(c.w.connector, call);
    return key;
  },
  'processTasks: settle, then take the next': async (c) => {
    const [key] = await c.rush.pushTasks([{ x: 1 }]);
    const [, taken] = await completeAndPop(c, [], 1);
    expect(taken.map(String)).toEqual([key]);
    return key!;
  },
  finishTasks: async (c) => {
    const [key] = await c.w.pushRunningTasks([{ x: 1 }]);
    expect(await c.w.finishTasks([key!], [{ y: 1 }])).toEqual([key]);
    return key!;
  },
  'processTasks: the handler returns': async (c) => {
    const [key] = await c.w.pushRunningTasks([{ x: 1 }]);
    const value = encodeValue({ y: 1 }, 'ys');
    await completeAndPop(c, [{ key: key!, outcome: 'finished', value }], 0);
    return key!;
  },
  'processTasks: the handler throws or times out, no retries left': async (c) => {
    const [key] = await c.w.pushRunningTasks([{ x: 1 }]);
    await completeAndPop(c, [{ key: key!, outcome: 'failed', value: condition }], 0);
    return key!;
  },
  'processTasks: the handler throws or times out, retries left': async (c) => {
    const key = await runningWithRetry(c);
    await completeAndPop(c, [{ key, outcome: 'failed', value: condition }], 0);
    return key;
  },
  'failTasks (no retries left, or retry: false)': async (c) => {
    const [key] = await c.w.pushRunningTasks([{ x: 1 }]);
    expect(await c.rush.failTasks([key!])).toEqual([key]);
    return key!;
  },
  'failTasks, retries left, no retryDelay': async (c) => {
    const key = await runningWithRetry(c);
    expect(await c.w.failTasks([key])).toEqual([key]);
    return key;
  },
  'failTasks, retries left, with retryDelay': async (c) => {
    const key = await runningWithRetry(c, 60);
    expect(await c.w.failTasks([key])).toEqual([key]);
    return key;
  },
  emptyQueue: async (c) => {
    const [key] = await c.rush.pushTasks([{ x: 1 }]);
    expect(await c.rush.emptyQueue({ keys: [key!] })).toEqual([key]);
    return key!;
  },
  cancelTasks: async (c) => {
    const [key] = await c.rush.pushTasks([{ x: 1 }]);
    expect(await c.rush.cancelTasks([key!])).toEqual([key]);
    return key!;
  },
  'stopWorkers (kill) / detectLostWorkers / a loop that throws or ends holding tasks, no retries left':
    async (c) => {
      const [key] = await c.w.pushRunningTasks([{ x: 1 }]);
      await c.rush.stopWorkers({ type: 'kill', workerIds: [c.w.workerId] });
      return key!;
    },
  'the same, retries left': async (c) => {
    const key = await runningWithRetry(c);
    await c.rush.stopWorkers({ type: 'kill', workerIds: [c.w.workerId] });
    return key;
  },
  'the same when many tasks run: a sweep of the running set, a chunk per call': async (c) => {
    const [key] = await c.w.pushRunningTasks([{ x: 1 }]);
    const lose = calls.loseWorkers(c.k, {
      workerIds: [c.w.workerId],
      condition,
      expiredHeartbeats: false,
      sweepLimit: 0, // "many": the running set is over the limit, so the workers are noted
    });
    expect(await runScript(c.rush.connector, lose)).toEqual([c.w.workerId]);
    expect(await c.raw.sismember(c.k.running, key!)).toBe(1);
    expect(await runScript(c.rush.connector, calls.sweepLostTasks(c.k, [key!]))).toBe(1);
    await c.raw.del(c.k.lostSweep);
    return key!;
  },
  "detectLostWorkers: a dead manager's pending pop": async (c) => {
    const key = await blockingMove(c, 'manager-gone');
    await c.rush.detectLostWorkers();
    return key;
  },
  reset: async (c) => {
    const [key] = await c.rush.pushTasks([{ x: 1 }]);
    await c.rush.reset({ workers: false });
    return key!;
  },
};

/** Every place that holds `key` now. */
async function placesOf(c: Context, key: string): Promise<Endpoint[]> {
  const poppers = await c.raw.smembers(c.k.poppers);
  const multi = c.raw
    .multi()
    .lpos(c.k.queued, key)
    .zscore(c.k.delayed, key)
    .sismember(c.k.running, key)
    .lpos(c.k.finished, key)
    .sismember(c.k.failed, key);
  for (const id of poppers) multi.lpos(c.k.pending(id), key);
  const replies = ((await multi.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  const [queued, delayed, running, finished, failed, ...pending] = replies;
  const places: Endpoint[] = [];
  if (queued !== null) places.push('queue');
  if (delayed !== null) places.push('delayed');
  if (running === 1) places.push('running');
  if (finished !== null) places.push('finished');
  if (failed === 1) places.push('failed');
  for (const at of pending) if (at !== null) places.push('pending');
  return places;
}

/** The fields a row says it writes for every task (parenthesized ones: tasks with retries). */
function writtenFields(writes: string): string[] {
  return writes
    .replace(/\([^)]*\)/g, '')
    .split(',')
    .map((field) => field.trim())
    .filter((field) => field !== '');
}

describe('the transition table, performed', () => {
  it('has a performance for every row', () => {
    expect(Object.keys(PERFORM).sort()).toEqual(TRANSITIONS.map((t) => t.step).sort());
  });

  it.each(TRANSITIONS.map((t) => [t.step, t] as const))('%s', async (step, row) => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const c: Context = { rush, w, k: new RushKeys(id), raw: rawClient() };
    const key = await PERFORM[step]!(c);
    expect(await placesOf(c, key)).toEqual(row.to === 'deleted' ? [] : [row.to]);
    const hash = c.k.task(key);
    expect(await c.raw.hget(hash, 'state')).toBe(row.hashState ?? null);
    for (const field of writtenFields(row.writes))
      expect(await c.raw.hexists(hash, field), field).toBe(1);
  });
});
