import { describe, expect, it } from 'vitest';
import { RushTimeoutError } from '../../src/index.js';
import { manager, newNetworkId, worker } from '../helpers/network.js';

describe('waitForTasks', () => {
  it('resolves when every task is finished or failed', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    let resolved = false;
    const waiting = rush.waitForTasks(keys, { timeout: 20 }).then(() => {
      resolved = true;
    });
    const a = await w.popTask({ timeout: 0 });
    await w.finishTasks([a!.key], [{ y: 1 }]);
    expect(resolved).toBe(false);
    const b = await w.popTask({ timeout: 0 });
    await w.failTasks([b!.key]);
    await waiting;
    expect(resolved).toBe(true);
  });

  it('resolves when no worker is running', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks([{ x: 1 }]);
    await rush.waitForTasks(keys, { timeout: 5 });
    expect(await rush.nQueuedTasks()).toBe(1);
  });

  it('rejects with RushTimeoutError at the timeout', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    await worker(id);
    const keys = await rush.pushTasks([{ x: 1 }]);
    await expect(rush.waitForTasks(keys, { timeout: 0.3 })).rejects.toBeInstanceOf(
      RushTimeoutError,
    );
  });
});

describe('workers in the registry', () => {
  it('registers, lists and terminates a worker', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, { workerId: 'w-1', heartbeatPeriod: 1 });
    expect(await rush.workerIds()).toEqual(['w-1']);
    expect(await rush.runningWorkerIds()).toEqual(['w-1']);
    expect(await rush.workerInfo()).toEqual([
      {
        worker_id: 'w-1',
        pid: process.pid,
        hostname: w.hostname,
        heartbeat: true,
        state: 'running',
      },
    ]);
    expect(w.terminated).toBe(false);
    await w.setTerminated();
    expect(w.terminated).toBe(true);
    expect(await rush.nRunningWorkers()).toBe(0);
    expect(await rush.terminatedWorkerIds()).toEqual(['w-1']);
    expect((await rush.workerInfo())[0]?.state).toBe('terminated');
    expect(await rush.nWorkers()).toBe(1);
  });
});
