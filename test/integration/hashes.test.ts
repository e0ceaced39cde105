import { describe, expect, it } from 'vitest';
import { manager } from '../helpers/network.js';

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
