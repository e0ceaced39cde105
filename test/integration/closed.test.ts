/**
 * Calls after close(): every asynchronous method of a Rush or a RushWorker rejects with a
 * RushError that says the instance is closed (not ioredis's "Connection is closed."), nothing
 * reaches Redis, and a second close() does nothing.
 */
import { describe, expect, it } from 'vitest';
import { Rush, RushError, type RushWorker } from '../../src/index.js';
import { manager, newNetworkId, redisUrl, worker } from '../helpers/network.js';

type Call = [name: string, call: (rush: Rush) => Promise<unknown>];

const loop = async () => {};

/** Every asynchronous method of Rush, with arguments that would be valid on an open instance. */
const managerCalls: Call[] = [
  ['connect', (r) => r.connect()],
  ['nWorkers', (r) => r.nWorkers()],
  ['nRunningWorkers', (r) => r.nRunningWorkers()],
  ['nTerminatedWorkers', (r) => r.nTerminatedWorkers()],
  ['workerIds', (r) => r.workerIds()],
  ['runningWorkerIds', (r) => r.runningWorkerIds()],
  ['terminatedWorkerIds', (r) => r.terminatedWorkerIds()],
  ['tasks', (r) => r.tasks()],
  ['queuedTasks', (r) => r.queuedTasks()],
  ['runningTasks', (r) => r.runningTasks()],
  ['finishedTasks', (r) => r.finishedTasks()],
  ['failedTasks', (r) => r.failedTasks()],
  ['nTasks', (r) => r.nTasks()],
  ['nQueuedTasks', (r) => r.nQueuedTasks()],
  ['nRunningTasks', (r) => r.nRunningTasks()],
  ['nFinishedTasks', (r) => r.nFinishedTasks()],
  ['nFailedTasks', (r) => r.nFailedTasks()],
  ['workerInfo', (r) => r.workerInfo()],
  ['format', (r) => r.format()],
  ['print', (r) => r.print()],
  ['pushTasks', (r) => r.pushTasks([{ x: 1 }])],
  ['pushRunningTasks', (r) => r.pushRunningTasks([{ x: 1 }])],
  ['pushFinishedTasks', (r) => r.pushFinishedTasks([{ x: 1 }], [{ y: 1 }])],
  ['pushFailedTasks', (r) => r.pushFailedTasks([{ x: 1 }])],
  ['popTask', (r) => r.popTask({ timeout: 0 })],
  ['popTask (waiting)', (r) => r.popTask({ timeout: 1 })],
  ['popTasks', (r) => r.popTasks(2, { timeout: 0 })],
  ['finishTasks', (r) => r.finishTasks(['k'], [{ y: 1 }])],
  ['failTasks', (r) => r.failTasks(['k'])],
  ['emptyQueue', (r) => r.emptyQueue()],
  ['fetchTasks', (r) => r.fetchTasks()],
  ['fetchQueuedTasks', (r) => r.fetchQueuedTasks()],
  ['fetchRunningTasks', (r) => r.fetchRunningTasks()],
  ['fetchFailedTasks', (r) => r.fetchFailedTasks()],
  ['fetchFinishedTasks', (r) => r.fetchFinishedTasks()],
  ['fetchFinishedTasks (columns)', (r) => r.fetchFinishedTasks({ columns: true })],
  ['fetchNewTasks', (r) => r.fetchNewTasks()],
  ['fetchNewTasks (waiting)', (r) => r.fetchNewTasks({ timeout: 1 })],
  ['fetchTasksWithState', (r) => r.fetchTasksWithState()],
  ['waitForTasks', (r) => r.waitForTasks(['k'], { timeout: 1 })],
  ['writeHashes', (r) => r.writeHashes({ xs: [{ x: 1 }] })],
  ['readHashes', (r) => r.readHashes(['k'], ['xs'])],
  ['readHash', (r) => r.readHash('k', ['xs'])],
  ['isRunningTask', (r) => r.isRunningTask(['k'])],
  ['isFailedTask', (r) => r.isFailedTask(['k'])],
  ['tasksWithState', (r) => r.tasksWithState(['queued'])],
  ['reset', (r) => r.reset()],
  ['reset (tasks only)', (r) => r.reset({ workers: false })],
  ['startLocalWorkers', (r) => r.startLocalWorkers(loop, { nWorkers: 1 })],
  ['startWorkers', (r) => r.startWorkers(loop, { nWorkers: 1 })],
  ['workerScript', (r) => r.workerScript(loop)],
  ['waitForWorkers', (r) => r.waitForWorkers({ n: 1, timeout: 1 })],
  ['stopWorkers', (r) => r.stopWorkers()],
  ['detectLostWorkers', (r) => r.detectLostWorkers()],
  ['readLog', (r) => r.readLog()],
  ['printLog', (r) => r.printLog()],
];

const workerCalls: [name: string, call: (w: RushWorker) => Promise<unknown>][] = [
  ['processTasks', (w) => w.processTasks(async () => ({ y: 1 }), { timeout: 0.1, maxTasks: 1 })],
  ['setTerminated', (w) => w.setTerminated()],
  ['failAndTerminate', (w) => w.failAndTerminate({ message: 'gone' })],
];

async function expectClosed(call: () => Promise<unknown>): Promise<void> {
  let outcome: unknown;
  try {
    outcome = await call();
  } catch (error) {
    outcome = error;
  }
  expect(outcome).toBeInstanceOf(RushError);
  expect((outcome as Error).message).toMatch(/is closed/);
  expect((outcome as Error).message).not.toMatch(/Connection is closed/);
}

describe('calls after close()', () => {
  it.each(managerCalls)(
    'Rush.%s rejects with a RushError saying the instance is closed',
    async (_, call) => {
      const rush = await manager();
      await rush.pushTasks([{ x: 0 }]);
      await rush.close();
      await expectClosed(() => call(rush));
      // Nothing of the call reached Redis, and no worker process was started.
      expect(rush.processes.size).toBe(0);
    },
  );

  it.each([...managerCalls, ...workerCalls])(
    'RushWorker.%s rejects with a RushError saying the instance is closed',
    async (_, call) => {
      const networkId = newNetworkId();
      const rush = await manager(networkId);
      const w = await worker(networkId);
      await w.close();
      await expectClosed(() => (call as (w: RushWorker) => Promise<unknown>)(w));
      expect(await rush.nTasks()).toBe(0);
    },
  );

  it('rejects the calls that were waiting when close() was called', async () => {
    const rush = await manager();
    const outcome = (pending: Promise<unknown>) =>
      pending.then(
        (value) => value,
        (error: unknown) => error,
      );
    const popping = outcome(rush.popTask({ timeout: 30 }));
    const fetching = outcome(rush.fetchNewTasks({ timeout: 30 }));
    // Let both reach their wait before the connections close under them.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await rush.close();
    for (const pending of [popping, fetching]) {
      const result = await pending;
      // A wait cut short either ends empty or says the instance is closed, never hangs.
      if (result instanceof Error) {
        expect(result).toBeInstanceOf(RushError);
        expect(result.message).toMatch(/is closed/);
      } else {
        expect(result === null || (Array.isArray(result) && result.length === 0)).toBe(true);
      }
    }
  });

  it('a second close() does nothing, and close() before connect() leaves nothing to use', async () => {
    const rush = await manager();
    await rush.close();
    await expect(rush.close()).resolves.toBeUndefined();
    const unconnected = new Rush({ networkId: newNetworkId(), config: redisUrl() });
    await unconnected.close();
    await unconnected.close();
    await expectClosed(() => unconnected.connect());
    await expectClosed(() => unconnected.fetchTasks());
  });

  it('a worker closed twice stays closed, and its manager works on', async () => {
    const networkId = newNetworkId();
    const rush = await manager(networkId);
    const w = await worker(networkId);
    await w.close();
    await w.close();
    await expectClosed(() => w.pushTasks([{ x: 1 }]));
    await rush.pushTasks([{ x: 1 }]);
    expect(await rush.nQueuedTasks()).toBe(1);
  });
});
