import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Rush,
  RushConfigError,
  removeRushPlan,
  rushPlan,
  storeLargeObject,
} from '../../src/index.js';
import { manager, newNetworkId, redisUrl, tempDir } from '../helpers/network.js';
import { withoutTimes } from '../helpers/times.js';

afterEach(() => {
  removeRushPlan();
});

describe('values through Redis', () => {
  it('round-trip exactly in every field', async () => {
    const rush = await manager();
    const xs = {
      negZero: -0,
      nan: Number.NaN,
      inf: Number.NEGATIVE_INFINITY,
      undef: undefined,
      date: new Date(0),
      big: 9007199254740993n,
      map: new Map([['a', 1]]),
      set: new Set(['s']),
      f32: new Float32Array([0.5]),
      buf: Buffer.from([1, 2, 3]),
      nested: { list: [null, true, 'x'] },
    };
    const ys = { out: [-0, 1e308] };
    const [key] = await rush.pushFinishedTasks([xs], [ys], {
      xssExtra: [{ when: new Date(5) }],
      yssExtra: [{ m: new Map() }],
    });
    const record = await rush.readHash(key!, ['xs', 'ys', 'xs_extra', 'ys_extra']);
    expect(record).toEqual({
      key,
      xs,
      ys,
      xs_extra: { when: new Date(5) },
      ys_extra: { m: new Map() },
    });
    expect(Object.is((record!.xs as typeof xs).negZero, -0)).toBe(true);
    const [row] = await rush.fetchFinishedTasks();
    expect(Object.is(row!.negZero, -0)).toBe(true);
    expect(row!.map).toBeInstanceOf(Map);
  });
});

describe('large objects', () => {
  it('values over maxObjectSize go to files and resolve transparently', async () => {
    const dir = tempDir();
    await rushPlan({ config: redisUrl(), maxObjectSize: 1000, largeObjectsPath: dir });
    const rush = await new Rush({ networkId: newNetworkId() }).connect();
    try {
      const big = { data: 'x'.repeat(5000) };
      const [key] = await rush.pushTasks([big, { small: 1 }]);
      expect(readdirSync(dir)).toHaveLength(1);
      const task = await rush.popTask({ timeout: 0 });
      expect(task?.key).toBe(key);
      expect(task?.xs).toEqual(big);
    } finally {
      await rush.close();
    }
  });

  it('without a path, a value over the limit is a RushConfigError and nothing is written', async () => {
    await rushPlan({ config: redisUrl(), maxObjectSize: 100 });
    const rush = await new Rush({ networkId: newNetworkId() }).connect();
    try {
      await expect(rush.pushTasks([{ x: 1 }, { data: 'y'.repeat(500) }])).rejects.toThrow(
        RushConfigError,
      );
      await expect(rush.pushTasks([{ data: 'y'.repeat(500) }])).rejects.toThrow(/largeObjectsPath/);
      expect(await rush.nTasks()).toBe(0);
    } finally {
      await rush.close();
    }
  });

  it('storeLargeObject makes a reference that readers resolve', async () => {
    const dir = tempDir();
    // Readers resolve references only to files inside their largeObjectsPath.
    await rushPlan({ config: redisUrl(), largeObjectsPath: dir });
    const rush = await manager();
    const ref = storeLargeObject(
      {
        matrix: [
          [1, 2],
          [3, 4],
        ],
      },
      dir,
    );
    const [key] = await rush.pushTasks([{ model: ref, lr: 0.1 }]);
    const [row] = await rush.fetchQueuedTasks();
    expect(withoutTimes(row!)).toEqual({
      key,
      model: {
        matrix: [
          [1, 2],
          [3, 4],
        ],
      },
      lr: 0.1,
    });
    expect(() => storeLargeObject(1, join(dir, 'missing'))).toThrow(/`path`/);
  });
});
