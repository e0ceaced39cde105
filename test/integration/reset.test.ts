import { describe, expect, it } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';
import * as calls from '../../src/redis/scripts/calls.js';
import { defineScripts, runScript } from '../../src/redis/scripts/index.js';
import { manager, newNetworkId, rawClient, scanNetworkKeys, worker } from '../helpers/network.js';

async function populate(networkId: string) {
  const rush = await manager(networkId);
  const w = await worker(networkId);
  await rush.pushTasks([{ x: 1 }, { x: 2 }]);
  const task = await w.popTask({ timeout: 0 });
  await w.finishTasks([task!.key], [{ y: 1 }]);
  await w.pushFailedTasks([{ x: 9 }]);
  await rush.writeHashes({ note: ['free-standing hash'] });
  // A blocking pop on an empty queue leaves a pending list owner behind.
  await rush.emptyQueue();
  await rush.popTask({ timeout: 0.05 });
  return { rush, w };
}

describe('reset', () => {
  it('removes every key of the network and leaves other networks alone', async () => {
    const id = newNetworkId();
    const other = newNetworkId();
    const { rush } = await populate(id);
    await populate(other);
    const raw = rawClient();
    expect((await scanNetworkKeys(raw, id)).length).toBeGreaterThan(5);
    const otherKeys = (await scanNetworkKeys(raw, other)).sort();

    await rush.reset();
    expect(await scanNetworkKeys(raw, id)).toEqual([]);
    expect((await scanNetworkKeys(raw, other)).sort()).toEqual(otherKeys);
    expect(await rush.nTasks()).toBe(0);
    expect(await rush.fetchFinishedTasks()).toEqual([]);
    expect(await rush.nWorkers()).toBe(0);
  });

  it('with workers: false removes only task data', async () => {
    const id = newNetworkId();
    const { rush, w } = await populate(id);
    expect(await rush.fetchFinishedTasks()).toHaveLength(1);
    await rush.reset({ workers: false });
    expect(await rush.nTasks()).toBe(0);
    expect(await rush.fetchFinishedTasks()).toEqual([]);
    expect(await rush.workerIds()).toEqual([w.workerId]);
    const left = await scanNetworkKeys(rawClient(), id);
    expect(left.every((k) => /:(workers|running_workers|poppers|worker:.*)$/.test(k))).toBe(true);
    // The network keeps working after a reset.
    await rush.pushFinishedTasks([{ x: 5 }], [{ y: 5 }]);
    expect((await rush.fetchFinishedTasks()).map((r) => r.x)).toEqual([5]);
  });

  it("another manager's cache notices the reset", async () => {
    const id = newNetworkId();
    const a = await manager(id);
    const b = await manager(id);
    await a.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 0 }]);
    expect(await b.fetchFinishedTasks()).toHaveLength(2);
    await a.reset({ workers: false });
    await a.pushFinishedTasks([{ x: 3 }], [{ y: 0 }]);
    expect((await b.fetchFinishedTasks()).map((r) => r.x)).toEqual([3]);
  });
  it("another manager's cache notices the reset when the new list has grown as long", async () => {
    const id = newNetworkId();
    const a = await manager(id);
    const b = await manager(id);
    await a.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 0 }, { y: 0 }]);
    expect(await b.fetchFinishedTasks()).toHaveLength(2);
    expect(await b.fetchNewTasks()).toHaveLength(2);
    expect([...(await b.fetchFinishedTasks({ columns: true })).x!]).toEqual([1, 2]);
    await a.reset({ workers: false });
    await a.pushFinishedTasks([{ x: 3 }, { x: 4 }, { x: 5 }], [{ y: 0 }, { y: 0 }, { y: 0 }]);
    expect((await b.fetchFinishedTasks()).map((r) => r.x)).toEqual([3, 4, 5]);
    expect((await b.fetchNewTasks()).map((r) => r.x)).toEqual([3, 4, 5]);
    expect([...(await b.fetchFinishedTasks({ columns: true })).x!]).toEqual([3, 4, 5]);
    expect((await b.fetchTasks()).map((r) => r.x)).toEqual([3, 4, 5]);
  });
});

describe('reset of a large network', () => {
  it('removes everything in short steps, and finishes what an interrupted reset left', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushTasks(Array.from({ length: 12_000 }, (_, x) => ({ x })));
    await rush.writeHashes(
      { note: ['n'] },
      { keys: Array.from({ length: 6_000 }, (_, i) => `extra-${i}`) },
    );
    // An interrupted reset: the atomic step ran, the purge did not.
    const client = rawClient();
    defineScripts(client);
    const left = await runScript(
      client,
      calls.reset(new RushKeys(id), { workers: false, trashId: 'x' }),
    );
    expect(left).toBe(2); // the task list and the extra hashes wait in the trash
    expect(await rush.nTasks()).toBe(0); // readers see an empty network at once
    expect(await client.exists(new RushKeys(id).task(keys[0]!))).toBe(1);
    await rush.reset();
    expect(await scanNetworkKeys(client, id)).toEqual([]);
  });
});
