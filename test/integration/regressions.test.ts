/**
 * Regression tests for the bugs the chaos suite found (see RELIABILITY.md).
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import * as calls from '../../src/redis/scripts/calls.js';
import { defineScripts, runScript } from '../../src/redis/scripts/index.js';
import {
  manager,
  newNetworkId,
  rawClient,
  redisUrl,
  scanNetworkKeys,
  waitUntil,
  worker,
} from '../helpers/network.js';

describe('regressions found by the chaos suite', () => {
  it('workers of two starts in a row each run their own loop', async () => {
    const rush = await manager();
    const first = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushFinishedTasks([{ loop: 'first' }], [{ ok: true }]);
      },
      { nWorkers: 1 },
    );
    const second = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushFinishedTasks([{ loop: 'second' }], [{ ok: true }]);
      },
      { nWorkers: 1 },
    );
    const rows = await waitUntil(
      async () => {
        const all = await rush.fetchFinishedTasks();
        return all.length === 2 ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'both loops to report' },
    );
    const byWorker = Object.fromEntries(rows.map((r) => [r.worker_id, r.loop]));
    expect(byWorker).toEqual({ [first[0]!]: 'first', [second[0]!]: 'second' });
  });

  it('stopWorkers right after a start also stops workers that have not registered yet', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        while (!rush.terminated) await new Promise((r) => setTimeout(r, 20));
      },
      { nWorkers: 2 },
    );
    await rush.stopWorkers({ type: 'terminate' });
    for (const id of ids) {
      const child = rush.processes.get(id)!;
      await waitUntil(() => child.exitCode !== null || child.signalCode !== null, {
        timeoutMs: 20_000,
        what: 'the worker to stop',
      });
    }
    await rush.reset();
    expect(await scanNetworkKeys(rawClient(), rush.networkId)).toEqual([]);
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

  it('a worker that was declared lost or killed sees `terminated` turn true', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    expect(w.terminated).toBe(false);
    await rush.stopWorkers({ workerIds: [w.workerId] }); // kill: no launcher reaches it, so it is only dropped
    await waitUntil(() => w.terminated, { what: 'the dropped worker to notice' });
  });

  it('a pop sent again after a lost reply returns the same tasks instead of taking more', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    const client = new Redis(redisUrl());
    try {
      defineScripts(client);
      const keysOf = new RushKeys(id);
      await client.sadd(keysOf.poppers, 'w'); // as a popper registers, so reset() finds its keys
      await client.sadd(keysOf.runningWorkers, 'w'); // only running workers may take tasks
      const pop = async (request: string) => {
        const call = calls.popTask(keysOf, {
          popperId: 'w',
          workerId: 'w',
          claim: '',
          count: 2,
          request,
          fields: ['worker_id'],
        });
        const reply = await runScript(client, call);
        return typeof reply === 'number' ? null : reply.map(String);
      };
      const first = await pop('req-1');
      expect(first).toEqual([keys[0], 'w', keys[1], 'w']);
      expect(await pop('req-1')).toEqual(first); // the resend
      expect(await rush.queuedTasks()).toEqual([keys[2]]);
      expect(await pop('req-2')).toEqual([keys[2], 'w']);
    } finally {
      client.disconnect();
    }
  });
});
