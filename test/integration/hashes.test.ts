/**
 * writeHashes, readHashes and readHash: one record per index (length-1 arrays broadcast), into
 * new keys or into tasks; what writeHashes refuses (fewer keys than values, the fields rushnet
 * owns), writing nothing; and a change to a finished task, seen by every read path.
 */
import { describe, expect, it } from 'vitest';
import { RushInputError } from '../../src/index.js';
import { manager, newNetworkId, rawClient, scanNetworkKeys, worker } from '../helpers/network.js';

describe('writeHashes / readHashes / readHash', () => {
  it('writes one record per index, broadcasting length-1 arrays', async () => {
    const rush = await manager();
    const keys = await rush.writeHashes({ xs: [{ a: 1 }, { a: 2 }], ys: [{ b: 0 }], tag: ['t'] });
    expect(keys).toHaveLength(2);
    expect(await rush.readHashes(keys, ['xs', 'ys', 'tag'])).toEqual([
      { key: keys[0], a: 1, b: 0, tag: 't' },
      { key: keys[1], a: 2, b: 0, tag: 't' },
    ]);
    expect(await rush.readHashes(keys, ['xs', 'ys'], { flatten: false })).toEqual([
      { key: keys[0], xs: { a: 1 }, ys: { b: 0 } },
      { key: keys[1], xs: { a: 2 }, ys: { b: 0 } },
    ]);
    expect(await rush.readHash(keys[1]!, ['xs', 'missing'])).toEqual({
      key: keys[1],
      xs: { a: 2 },
    });
    expect(await rush.readHash('no-such-key', ['xs'])).toBeNull();
  });

  it('writes into given keys, adding fields to tasks', async () => {
    const rush = await manager();
    const [key] = await rush.pushTasks([{ x: 1 }]);
    await rush.writeHashes({ priority: [3] }, { keys: [key!] });
    expect(await rush.readHash(key!, ['xs', 'priority'])).toEqual({
      key,
      xs: { x: 1 },
      priority: 3,
    });
    const [row] = await rush.fetchQueuedTasks({ fields: ['xs', 'priority'] });
    expect(row).toEqual({ key, x: 1, priority: 3 });
  });
});

describe('writeHashes: refused writes, and changes every read path sees', () => {
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
