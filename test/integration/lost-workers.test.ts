/**
 * Lost workers: a worker killed mid-task is reported once and its tasks failed; one that
 * finished cleanly, is busy, or whose heartbeat thread starts late is never reported; a frozen
 * one is lost after its expiry; two managers detecting at once fail each task once; a worker
 * declared lost or killed sees `terminated` turn true.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, rawClient, waitUntil, worker } from '../helpers/network.js';

describe('lost workers', () => {
  it('a worker killed with SIGKILL mid-task is reported once and its task failed', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushRunningTasks([{ x: 1 }]);
        await new Promise(() => {});
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: [id!], timeout: 30 });
    await waitUntil(async () => (await rush.nRunningTasks()) === 1, { what: 'the running task' });
    expect(await rush.detectLostWorkers()).toEqual([]);
    const child = rush.processes.get(id!)!;
    child.kill('SIGKILL');
    await waitUntil(() => child.signalCode !== null, { what: 'the process to die' });
    expect(await rush.detectLostWorkers()).toEqual([id]);
    expect(await rush.detectLostWorkers()).toEqual([]);
    const [failed] = await rush.fetchFailedTasks();
    expect(failed).toMatchObject({
      x: 1,
      worker_id: id,
      condition: { message: 'Worker has crashed or was killed' },
    });
    expect(await rush.nRunningTasks()).toBe(0);
    expect(await rush.terminatedWorkerIds()).toEqual([id]);
  });

  it('a worker that finished cleanly is never reported lost', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushFinishedTasks([{ x: 1 }], [{ y: 1 }]);
      },
      { nWorkers: 1, heartbeatPeriod: 1, heartbeatExpire: 1 },
    );
    const child = rush.processes.get(id!)!;
    await waitUntil(() => child.exitCode !== null, {
      timeoutMs: 30_000,
      what: 'the worker to finish',
    });
    expect(child.exitCode).toBe(0);
    expect(await rush.terminatedWorkerIds()).toEqual([id]);
    // Its heartbeat key expires too: still not lost.
    const raw = rawClient();
    await waitUntil(
      async () => (await raw.exists(new RushKeys(rush.networkId).heartbeat(id!))) === 0,
      { what: 'the heartbeat to expire' },
    );
    expect(await rush.detectLostWorkers()).toEqual([]);
  });

  it('a heartbeat worker busy with CPU work for 6 s is not reported lost', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        const [key] = await rush.pushRunningTasks([{ phase: 'busy' }]);
        const until = Date.now() + 6000;
        let spins = 0;
        while (Date.now() < until) spins++; // blocks the event loop
        await rush.finishTasks([key!], [{ spins }]);
      },
      // An expiry well under the 6 s of CPU work, with room for a loaded machine's scheduling.
      { nWorkers: 1, heartbeatPeriod: 1, heartbeatExpire: 4 },
    );
    await rush.waitForWorkers({ workerIds: [id!], timeout: 30 });
    let checks = 0;
    while ((await rush.nFinishedTasks()) === 0) {
      expect(await rush.detectLostWorkers()).toEqual([]);
      checks++;
      await rush.fetchNewTasks({ timeout: 0.25 });
      if (checks > 200) throw new Error('the busy worker never finished');
    }
    expect(checks).toBeGreaterThan(10);
    const [row] = await rush.fetchFinishedTasks();
    expect(row?.spins).toBeGreaterThan(0);
  });

  it('a heartbeat worker whose watch thread starts late is kept alive meanwhile, not lost', async () => {
    // On a loaded machine a thread can take longer to start than the heartbeat's expiry.
    const id = newNetworkId();
    const rush = await manager(id);
    vi.stubEnv('RUSHNET_TEST_WATCH_DELAY_MS', '6000');
    const w = await worker(id, { heartbeatPeriod: 1, heartbeatExpire: 3 }).finally(() =>
      vi.unstubAllEnvs(),
    );
    const raw = rawClient();
    const heartbeat = new RushKeys(id).heartbeat(w.workerId);
    // Past the expiry of the key set at registration, while the thread still waits.
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      expect(await raw.exists(heartbeat)).toBe(1);
      expect(await rush.detectLostWorkers()).toEqual([]);
      await rush.fetchNewTasks({ timeout: 0.25 });
    }
    expect(await rush.runningWorkerIds()).toEqual([w.workerId]);
  });

  it('a frozen heartbeat worker is lost after its expiry; its pending task is failed and never marked running', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        for (;;) {
          const task = await rush.popTask({ timeout: 60 });
          if (task) await rush.finishTasks([task.key], [{ y: 1 }]);
        }
      },
      { nWorkers: 1, heartbeatPeriod: 1, heartbeatExpire: 2 },
    );
    await rush.waitForWorkers({ workerIds: [id!], timeout: 30 });
    const raw = rawClient();
    const blockingFlags = async () => {
      const line = String(await raw.client('LIST'))
        .split('\n')
        .find((l) => l.includes(`name=rushnet:${rush.networkId}:blocking`));
      return line?.match(/ flags=(\S+)/)?.[1];
    };
    await waitUntil(async () => (await blockingFlags())?.includes('b'), {
      what: 'the worker to block in popTask',
    });

    const child = rush.processes.get(id!)!;
    child.kill('SIGSTOP');
    const [key] = await rush.pushTasks([{ x: 1 }]);
    const pending = new RushKeys(rush.networkId).pending(id!);
    await waitUntil(async () => (await raw.lrange(pending, 0, -1)).includes(key!), {
      what: 'the task to be pending',
    });
    expect(await rush.detectLostWorkers()).toEqual([]); // the heartbeat has not expired yet

    const lost = await waitUntil(
      async () => {
        const ids = await rush.detectLostWorkers();
        return ids.length > 0 ? ids : undefined;
      },
      { timeoutMs: 10_000, what: 'the frozen worker to be lost' },
    );
    expect(lost).toEqual([id]);
    expect(await raw.llen(pending)).toBe(0);
    expect(await rush.fetchFailedTasks()).toEqual([
      expect.objectContaining({ key, condition: { message: 'Worker has crashed or was killed' } }),
    ]);

    // Thawed, the worker's claim of the task finds it gone: it never becomes running.
    child.kill('SIGCONT');
    await waitUntil(async () => (await blockingFlags())?.includes('b'), {
      what: 'the worker to block again',
    });
    expect(await rush.isRunningTask([key!])).toEqual([false]);
    expect(await rush.tasksWithState(['running', 'failed', 'finished'])).toEqual({
      running: [],
      failed: [key],
      finished: [],
    });
  });

  it('a task moved to a pending list and failed by another actor is not marked running (in process)', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    const raw = rawClient();
    // As if w's blocking pop had moved the task and w then stalled before claiming it.
    await raw.lmove(new RushKeys(id).queued, new RushKeys(id).pending(w.workerId), 'LEFT', 'RIGHT');
    expect(await rush.stopWorkers({ workerIds: [w.workerId] })).toEqual([w.workerId]);
    expect(await w.popTask({ timeout: 0 })).toBeNull();
    expect(await rush.tasksWithState(['queued', 'running', 'failed'])).toEqual({
      queued: [],
      running: [],
      failed: [key],
    });
    const [row] = await rush.fetchFailedTasks();
    expect(row?.condition).toEqual({ message: 'Worker was killed' });
  });

  it('two managers detecting at once fail each lost task once', async () => {
    const id = newNetworkId();
    const a = await manager(id);
    const b = await manager(id);
    const w = await worker(id, { heartbeatPeriod: 1, heartbeatExpire: 1 });
    const keys = await w.pushRunningTasks([{ x: 1 }, { x: 2 }]);
    await w.close(); // stops its heartbeat without terminating: it will be lost
    await waitUntil(
      async () => (await a.connector.exists(new RushKeys(id).heartbeat(w.workerId))) === 0,
      { what: 'expiry' },
    );
    const [fromA, fromB] = await Promise.all([a.detectLostWorkers(), b.detectLostWorkers()]);
    expect([...fromA, ...fromB]).toEqual([w.workerId]);
    expect((await a.failedTasks()).sort()).toEqual([...keys].sort());
  });
});

describe('a worker dropped from the network', () => {
  it('a worker that was declared lost or killed sees `terminated` turn true', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    expect(w.terminated).toBe(false);
    await rush.stopWorkers({ workerIds: [w.workerId] }); // kill: no launcher reaches it, so it is only dropped
    await waitUntil(() => w.terminated, { what: 'the dropped worker to notice' });
  });
});
