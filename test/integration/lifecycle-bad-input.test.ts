/**
 * Bad lifecycle arguments are RushInputErrors that name the argument, raised before anything
 * is written.
 */
import { describe, expect, it } from 'vitest';
import { type Rush, RushInputError } from '../../src/index.js';
import { manager, newNetworkId, worker } from '../helpers/network.js';

type Case = [name: string, call: (rush: Rush) => Promise<unknown>, argument: RegExp];

const cases: Case[] = [
  ['maxRetries negative', (r) => r.pushTasks([{ x: 1 }], { maxRetries: -1 }), /`maxRetries`/],
  ['maxRetries fractional', (r) => r.pushTasks([{ x: 1 }], { maxRetries: 1.5 }), /`maxRetries`/],
  ['maxRetries NaN', (r) => r.pushTasks([{ x: 1 }], { maxRetries: Number.NaN }), /`maxRetries`/],
  [
    'maxRetries too large',
    (r) => r.pushTasks([{ x: 1 }], { maxRetries: 1001 }),
    /`maxRetries`.*1000/,
  ],
  [
    'maxRetries a string',
    (r) => r.pushTasks([{ x: 1 }], { maxRetries: '2' as never }),
    /`maxRetries`/,
  ],
  [
    'retryDelay negative',
    (r) => r.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: -1 }),
    /`retryDelay`/,
  ],
  ['retryDelay NaN', (r) => r.pushTasks([{ x: 1 }], { retryDelay: Number.NaN }), /`retryDelay`/],
  [
    'retryDelay factor < 1',
    (r) => r.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: { initial: 1, factor: 0.5 } }),
    /`retryDelay.factor`/,
  ],
  [
    'retryDelay max < initial',
    (r) => r.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: { initial: 2, max: 1 } }),
    /`retryDelay.max`/,
  ],
  [
    'retryDelay without initial',
    (r) => r.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: { factor: 2 } as never }),
    /`retryDelay.initial`/,
  ],
  [
    'retryDelay unknown option',
    (r) =>
      r.pushTasks([{ x: 1 }], { maxRetries: 1, retryDelay: { initial: 1, jitter: 1 } as never }),
    /`retryDelay.jitter`/,
  ],
  ['failTasks retry not boolean', (r) => r.failTasks(['k'], { retry: 'no' as never }), /`retry`/],
  ['cancelTasks not an array', (r) => r.cancelTasks('k' as never), /`keys`/],
  ['cancelTasks non-string key', (r) => r.cancelTasks(['k', 5 as never]), /`keys/],
  ['isCancelled non-string key', (r) => r.isCancelled(5 as never), /`key/],
];

describe('bad lifecycle input', () => {
  it.each(cases)(
    '%s is a RushInputError naming the argument, nothing written',
    async (_, call, argument) => {
      const rush = await manager();
      const error = await call(rush).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RushInputError);
      expect((error as Error).message).toMatch(argument);
      expect(await rush.nTasks()).toBe(0);
    },
  );

  it.each([
    ['0', 0],
    ['negative', -1],
    ['NaN', Number.NaN],
    ['a string', '1'],
  ])('taskTimeout %s is a RushInputError before any task is taken', async (_, taskTimeout) => {
    const id = newNetworkId();
    const rush = await manager(id);
    await rush.pushTasks([{ x: 1 }]);
    const w = await worker(id);
    await expect(
      w.processTasks(async () => ({}), { taskTimeout: taskTimeout as number }),
    ).rejects.toThrow(/`taskTimeout`/);
    expect(await rush.nQueuedTasks()).toBe(1);
  });
});
