/**
 * Reserved names: properties of xs, ys, xs_extra or ys_extra named like a row's own properties
 * are a RushInputError naming them, in every method that creates or finishes tasks, and nothing
 * is written; writeHashes refuses those fields. A processTasks handler that returns such a
 * result fails its task with a clear condition and the worker carries on.
 */
import { describe, expect, it } from 'vitest';
import { type Rush, RushInputError } from '../../src/index.js';
import { manager, newNetworkId, worker } from '../helpers/network.js';
import { withoutTimes } from '../helpers/times.js';

const RESERVED = [
  'key',
  'state',
  'worker_id',
  'condition',
  'created_at',
  'started_at',
  'finished_at',
  'tries',
];

type Call = [
  method: string,
  call: (rush: Rush, o: Record<string, unknown>) => Promise<unknown>,
  argument: string,
];

/** Every creating or finishing call, with the reserved object in one argument. */
const calls: Call[] = [
  ['pushTasks xss', (r, o) => r.pushTasks([{ x: 1 }, o]), 'xss[1]'],
  ['pushTasks xssExtra', (r, o) => r.pushTasks([{ x: 1 }], { xssExtra: [o] }), 'xssExtra[0]'],
  ['pushRunningTasks xss', (r, o) => r.pushRunningTasks([o]), 'xss[0]'],
  [
    'pushRunningTasks xssExtra',
    (r, o) => r.pushRunningTasks([{ x: 1 }], { xssExtra: [o] }),
    'xssExtra[0]',
  ],
  ['pushFinishedTasks xss', (r, o) => r.pushFinishedTasks([o], [{ y: 1 }]), 'xss[0]'],
  ['pushFinishedTasks yss', (r, o) => r.pushFinishedTasks([{ x: 1 }], [o]), 'yss[0]'],
  [
    'pushFinishedTasks xssExtra',
    (r, o) => r.pushFinishedTasks([{ x: 1 }], [{ y: 1 }], { xssExtra: [o] }),
    'xssExtra[0]',
  ],
  [
    'pushFinishedTasks yssExtra',
    (r, o) => r.pushFinishedTasks([{ x: 1 }], [{ y: 1 }], { yssExtra: [o] }),
    'yssExtra[0]',
  ],
  ['pushFailedTasks xss', (r, o) => r.pushFailedTasks([o]), 'xss[0]'],
  [
    'pushFailedTasks xssExtra',
    (r, o) => r.pushFailedTasks([{ x: 1 }], { xssExtra: [o] }),
    'xssExtra[0]',
  ],
];

describe('reserved names', () => {
  it.each(RESERVED)(
    '"%s" is refused in every creating call, and nothing is written',
    async (name) => {
      const rush = await manager();
      for (const [method, call, argument] of calls) {
        const error = await call(rush, { a: 1, [name]: 'forged' }).catch((e: unknown) => e);
        expect(error, method).toBeInstanceOf(RushInputError);
        expect((error as RushInputError).argument, method).toBe(argument);
        expect((error as Error).message, method).toContain(`"${name}"`);
      }
      expect(await rush.nTasks()).toBe(0);
    },
  );

  it.each(RESERVED)(
    '"%s" is refused by finishTasks (yss and yssExtra), which moves nothing',
    async (name) => {
      const rush = await manager();
      const keys = await rush.pushRunningTasks([{ x: 1 }, { x: 2 }]);
      for (const [options, yss, argument] of [
        [undefined, [{ y: 1 }, { y: 2, [name]: 'forged' }], 'yss[1]'],
        [{ yssExtra: [{ [name]: 'forged' }] }, [{ y: 1 }], 'yssExtra[0]'],
      ] as const) {
        const error = await rush
          .finishTasks(keys, yss as never, options as never)
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RushInputError);
        expect((error as RushInputError).argument).toBe(argument);
      }
      expect((await rush.fetchRunningTasks()).map((r) => r.key).sort()).toEqual([...keys].sort());
      expect(await rush.nFinishedTasks()).toBe(0);
    },
  );

  it('names every reserved property of the object', async () => {
    const rush = await manager();
    const error = (await rush
      .pushTasks([{ state: 'finished', worker_id: 'w-forged', x: 1 }])
      .catch((e: unknown) => e)) as RushInputError;
    expect(error.message).toMatch(/^`xss\[0\]` has properties named "state", "worker_id"/);
  });

  it.each([...RESERVED, 'finished_index'])('writeHashes refuses the field "%s"', async (name) => {
    const rush = await manager();
    const [key] = await rush.pushTasks([{ x: 1 }]);
    const error = await rush
      .writeHashes({ xs: [{ x: 2 }], [name]: ['forged'] }, { keys: [key!] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RushInputError);
    expect((error as RushInputError).argument).toBe(`values.${name}`);
    // Nothing was written: the task reads back as it was.
    expect(withoutTimes(await rush.fetchQueuedTasks())).toEqual([{ key, x: 1 }]);
  });

  it('writeHashes refuses xs, ys and extras whose properties use a reserved name', async () => {
    const rush = await manager();
    const [key] = await rush.pushTasks([{ x: 1 }]);
    for (const field of ['xs', 'ys', 'xs_extra', 'ys_extra']) {
      const error = await rush
        .writeHashes({ [field]: [{ y: 1, state: 'finished' }] }, { keys: [key!] })
        .catch((e: unknown) => e);
      expect(error, field).toBeInstanceOf(RushInputError);
      expect((error as RushInputError).argument).toBe(`values.${field}[0]`);
    }
    // A value that is not an object is kept under its field name: nothing to shadow.
    await rush.writeHashes({ ys: ['plain'] }, { keys: [key!] });
    expect(withoutTimes(await rush.fetchQueuedTasks({ fields: ['xs', 'ys'] }))).toEqual([
      { key, x: 1, ys: 'plain' },
    ]);
  });

  it('other names, and reserved names nested deeper, are fine', async () => {
    const rush = await manager();
    const [key] = await rush.pushFinishedTasks(
      [{ x: 1, nested: { state: 's', key: 'k' } }],
      [{ y: 1, keys: ['a'] }],
      { xssExtra: [{ states: 1 }] },
    );
    expect(withoutTimes(await rush.fetchFinishedTasks())).toEqual([
      { key, x: 1, nested: { state: 's', key: 'k' }, y: 1, keys: ['a'], states: 1 },
    ]);
  });

  it('a processTasks handler that returns a reserved name fails that task and carries on', async () => {
    const networkId = newNetworkId();
    const rush = await manager(networkId);
    const w = await worker(networkId);
    const keys = await rush.pushTasks([{ i: 0 }, { i: 1 }, { i: 2 }]);
    const processed = await w.processTasks(
      async (task) => (task.xs.i === 1 ? { y: 1, state: 'forged' } : { y: 1 }),
      { maxTasks: 3, timeout: 0.1 },
    );
    expect(processed).toBe(3);
    const failed = await rush.fetchFailedTasks();
    expect(failed.map((r) => r.key)).toEqual([keys[1]]);
    expect(failed[0]!.condition).toMatchObject({
      message: expect.stringMatching(/handler result.*"state"/),
    });
    expect((await rush.fetchFinishedTasks()).map((r) => r.key).sort()).toEqual(
      [keys[0], keys[2]].sort(),
    );
  });
});
