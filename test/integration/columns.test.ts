/**
 * `fetchFinishedTasks({ columns: true })`: the same tasks and values as the rows, as one
 * array per property, read from the records log without rows, cached like rows.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { removeRushPlan, rushPlan, storeLargeObject } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { encodeValue } from '../../src/tasks/codec.js';
import {
  breaksInvariants,
  manager,
  newNetworkId,
  rawClient,
  redisUrl,
  tempDir,
  worker,
} from '../helpers/network.js';

/**
 * Rows as the columns they should become: NaN / undefined where a row has no value (a property
 * that is undefined in every row makes no column).
 */
function expectedColumns(rows: readonly Record<string, unknown>[]) {
  const names = new Set(rows.flatMap((r) => Object.keys(r).filter((k) => r[k] !== undefined)));
  const out: Record<string, unknown[]> = {};
  for (const name of names) out[name] = rows.map((r) => r[name]);
  return out;
}

/** Columns with typed arrays as plain arrays (NaN as undefined), for comparison. */
function plain(columns: Record<string, Float64Array | unknown[]>) {
  const out: Record<string, unknown[]> = {};
  for (const [name, column] of Object.entries(columns)) {
    out[name] =
      column instanceof Float64Array
        ? Array.from(column, (v) => (Number.isNaN(v) ? undefined : v))
        : [...column];
  }
  return out;
}

describe('finished tasks as columns', () => {
  it('holds the values of the rows, numbers in Float64Arrays, whatever the values hold', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const dir = tempDir();
    await rushPlan({ config: redisUrl(), largeObjectsPath: dir });
    onTestFinished(() => void removeRushPlan());
    await w.pushFinishedTasks(
      [
        { x: 1.5, n: -3, label: 'a' },
        { x: 2 ** 40, n: 70000, nested: { deep: [1, 2] } },
      ],
      [
        { y: 1, flag: true },
        { y: null, flag: false },
      ],
      { yssExtra: [{ note: 'n' }, { gone: undefined }] },
    );
    const [failedCondition] = await w.pushRunningTasks([{ x: -0.25 }]);
    // A finished task with a condition (writeHashes refuses the field: it is written directly).
    await rawClient().hset(
      new RushKeys(id).task(failedCondition!),
      'condition',
      encodeValue({ message: 'odd but allowed' }, 'condition'),
    );
    await w.finishTasks([failedCondition!], [{ y: 4 }]);
    await rush.pushFinishedTasks([{ big: storeLargeObject({ deep: [3] }, dir) }], [{ y: 5 }]);
    // xs kept in a file: the record is not a flat map but an array.
    await rushPlan({ config: redisUrl(), largeObjectsPath: dir, maxObjectSize: 200 });
    await (await manager(id)).pushFinishedTasks([{ long: 'x'.repeat(300) }], [{ y: 6 }]);

    const rows = await rush.fetchFinishedTasks();
    const columns = await (await manager(id)).fetchFinishedTasks({ columns: true });
    expect(columns.key).toEqual(rows.map((r) => r.key));
    expect(columns.x).toBeInstanceOf(Float64Array);
    expect(columns.n).toBeInstanceOf(Float64Array);
    expect(Array.isArray(columns.y)).toBe(true); // a null among the numbers
    expect(Array.isArray(columns.worker_id)).toBe(true);
    expect(plain(columns)).toEqual(expectedColumns(rows));
  });

  it('reads only what is new, and the caller owns what it got', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const first = await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 1 }, { y: 2 }]);
    const before = await rush.fetchFinishedTasks({ columns: true });
    expect(before.key).toEqual(first);
    (before.x as Float64Array)[0] = 99;
    before.key.push('mine');
    const [third] = await rush.pushFinishedTasks([{ x: 3, z: 'new column' }], [{ y: 3 }]);
    const after = await rush.fetchFinishedTasks({ columns: true });
    expect(after.key).toEqual([...first, third]);
    expect(Array.from(after.x as Float64Array)).toEqual([1, 2, 3]);
    expect(after.z).toEqual([undefined, undefined, 'new column']);
    // Rows and columns are cached apart and agree.
    expect((await rush.fetchFinishedTasks()).map((r) => r.x)).toEqual([1, 2, 3]);
  });

  it('drops tasks whose data vanished, with a warning, in a large read too', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushFinishedTasks(
      Array.from({ length: 12_000 }, (_, i) => ({ i })),
      [{ y: 0 }],
    );
    breaksInvariants(id); // deletes keys behind rushnet's back
    await rawClient().del(new RushKeys(id).task(keys[10]!), new RushKeys(id).task(keys[11_500]!));
    const fresh = await manager(id);
    const warn = vi.spyOn(fresh.logger, 'warn');
    const columns = await fresh.fetchFinishedTasks({ columns: true });
    const kept = keys.filter((_, i) => i !== 10 && i !== 11_500);
    expect(columns.key).toEqual(kept);
    expect(Array.from(columns.i as Float64Array)).toEqual(
      Array.from({ length: 12_000 }, (_, i) => i).filter((i) => i !== 10 && i !== 11_500),
    );
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ count: 2 }),
      expect.stringMatching(/no data/),
    );
    warn.mockRestore();
  });

  it('follows one truth per task, other fields, and a records log cut short', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const keys = await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 1 }, { y: 2 }]);
    await rush.writeHashes({ ys: [{ y: 20 }], score: [7] }, { keys: [keys[1]!] });
    const fresh = await manager(id);
    expect(
      Array.from((await fresh.fetchFinishedTasks({ columns: true })).y as Float64Array),
    ).toEqual([1, 20]);
    // Fields the records log does not hold: built from the rows.
    expect(await fresh.fetchFinishedTasks({ fields: ['ys', 'score'], columns: true })).toEqual({
      key: keys,
      y: Float64Array.from([1, 20]),
      score: Float64Array.from([Number.NaN, 7]),
    });
    // A log cut short is read by key; the task whose record is gone (its values) drops.
    breaksInvariants(id); // deletes data behind rushnet's back
    await rawClient().rpop(new RushKeys(id).finishedRecords);
    const columns = await (await manager(id)).fetchFinishedTasks({ columns: true });
    expect(columns.key).toEqual([keys[0]]);
    expect(Array.from(columns.x as Float64Array)).toEqual([1]);
  });

  it('refuses a columns option that is not a boolean', async () => {
    const rush = await manager();
    await expect(
      rush.fetchFinishedTasks({ columns: 'yes' } as unknown as { columns: true }),
    ).rejects.toThrow(/columns/);
  });
});
