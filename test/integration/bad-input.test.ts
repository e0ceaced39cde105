/**
 * Bad input: every public call refuses a bad argument with a RushInputError that names it,
 * before anything is written; bad constructor options and plans; timeouts at the edges; a
 * network id that cannot be reassigned; a missing directory named in full.
 */
import { describe, expect, it } from 'vitest';
import {
  Rush,
  RushInputError,
  RushWorker,
  rushAvailable,
  rushPlan,
  storeLargeObject,
} from '../../src/index.js';
import { manager, redisUrl, tempDir } from '../helpers/network.js';

type Call = [name: string, call: (rush: Rush) => Promise<unknown>, argument: RegExp];

const circular: Record<string, unknown> = {};
circular.self = circular;

const calls: Call[] = [
  ['pushTasks: not an array', (r) => r.pushTasks({ x: 1 } as never), /`xss`/],
  ['pushTasks: a non-object element', (r) => r.pushTasks([{ x: 1 }, 5 as never]), /`xss\[1\]`/],
  ['pushTasks: null element', (r) => r.pushTasks([null as never]), /`xss\[0\]`/],
  ['pushTasks: array element', (r) => r.pushTasks([[1] as never]), /`xss\[0\]`/],
  [
    'pushTasks: a function value',
    (r) => r.pushTasks([{ x: 1 }, { f: () => 1 }]),
    /`xss\[1\]`.*function/,
  ],
  ['pushTasks: circular value', (r) => r.pushTasks([circular]), /`xss\[0\]`.*circular/],
  [
    'pushTasks: xssExtra of wrong length',
    (r) => r.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }], { xssExtra: [{}, {}] }),
    /`xssExtra`.*length 3/,
  ],
  [
    'pushTasks: unknown option',
    (r) => r.pushTasks([{ x: 1 }], { extra: [] } as never),
    /`options.extra`/,
  ],
  [
    'pushFinishedTasks: yss of wrong length',
    (r) => r.pushFinishedTasks([{ x: 1 }, { x: 2 }, { x: 3 }], [{ y: 1 }, { y: 2 }]),
    /`yss`/,
  ],
  [
    'pushFinishedTasks: yss missing',
    (r) => r.pushFinishedTasks([{ x: 1 }], undefined as never),
    /`yss`/,
  ],
  [
    'pushFinishedTasks: bad yssExtra element',
    (r) => r.pushFinishedTasks([{ x: 1 }], [{ y: 1 }], { yssExtra: ['a' as never] }),
    /`yssExtra\[0\]`/,
  ],
  [
    'pushFailedTasks: condition without message',
    (r) => r.pushFailedTasks([{ x: 1 }], { conditions: [{ m: 1 } as never] }),
    /`conditions\[0\].message`/,
  ],
  [
    'pushRunningTasks: symbol value',
    (r) => r.pushRunningTasks([{ s: Symbol('s') }]),
    /`xss\[0\]`.*symbol/,
  ],
  ['popTask: negative timeout', (r) => r.popTask({ timeout: -1 }), /`timeout`/],
  ['popTask: fields not an array', (r) => r.popTask({ fields: 'xs' as never }), /`fields`/],
  ['finishTasks: keys not an array', (r) => r.finishTasks('k' as never, [{ y: 1 }]), /`keys`/],
  ['finishTasks: empty key', (r) => r.finishTasks([''], [{ y: 1 }]), /`keys\[0\]`/],
  [
    'finishTasks: yss of wrong length',
    (r) => r.finishTasks(['a', 'b', 'c'], [{ y: 1 }, { y: 2 }]),
    /`yss`/,
  ],
  ['finishTasks: unencodable ys', (r) => r.finishTasks(['a'], [{ y: () => 1 }]), /`yss\[0\]`/],
  [
    'failTasks: bad conditions',
    (r) => r.failTasks(['a'], { conditions: 'x' as never }),
    /`conditions`/,
  ],
  ['emptyQueue: bad keys', (r) => r.emptyQueue({ keys: [1 as never] }), /`keys\[0\]`/],
  ['fetchTasks: fields of numbers', (r) => r.fetchTasks({ fields: [1 as never] }), /`fields\[0\]`/],
  [
    'fetchFinishedTasks: fields not an array',
    (r) => r.fetchFinishedTasks({ fields: 'ys' as never }),
    /`fields`/,
  ],
  ['fetchNewTasks: NaN timeout', (r) => r.fetchNewTasks({ timeout: Number.NaN }), /`timeout`/],
  [
    'fetchTasksWithState: unknown state',
    (r) => r.fetchTasksWithState({ states: ['done' as never] }),
    /`states\[0\]`/,
  ],
  ['waitForTasks: keys not an array', (r) => r.waitForTasks(undefined as never), /`keys`/],
  [
    'waitForTasks: bad timeout',
    (r) => r.waitForTasks(['a'], { timeout: 'soon' as never }),
    /`timeout`/,
  ],
  ['writeHashes: values not an object', (r) => r.writeHashes([1] as never), /`values`/],
  [
    'writeHashes: mismatched lengths',
    (r) => r.writeHashes({ a: [1, 2], b: [1, 2, 3] }),
    /`values.b`/,
  ],
  [
    'writeHashes: keys and values disagree',
    (r) => r.writeHashes({ a: [1, 2] }, { keys: ['k1', 'k2', 'k3'] }),
    /`values.a`/,
  ],
  ['readHashes: bad fields', (r) => r.readHashes(['a'], 'xs' as never), /`fields`/],
  ['isRunningTask: bad keys', (r) => r.isRunningTask([null as never]), /`keys\[0\]`/],
  ['tasksWithState: bad state', (r) => r.tasksWithState(['x' as never]), /`states\[0\]`/],
  ['reset: bad option', (r) => r.reset({ workers: 'yes' as never }), /`workers`/],
  // Numbers past what Redis or a timer accepts are refused before they reach either.
  ['popTask: a timeout of 1e300 s', (r) => r.popTask({ timeout: 1e300 }), /`timeout`.*2147483647/],
  ['popTask: -Infinity', (r) => r.popTask({ timeout: Number.NEGATIVE_INFINITY }), /`timeout`/],
  ['popTasks: n beyond a safe integer', (r) => r.popTasks(1e20, { timeout: 0 }), /`n`/],
  ['fetchNewTasks: a timeout of 1e300 s', (r) => r.fetchNewTasks({ timeout: 1e300 }), /`timeout`/],
  [
    'waitForTasks: a timeout of 2^31 s',
    (r) => r.waitForTasks(['a'], { timeout: 2 ** 31 }),
    /`timeout`/,
  ],
  [
    'waitForWorkers: a timeout of 1e300 s',
    (r) => r.waitForWorkers({ n: 1, timeout: 1e300 }),
    /`timeout`/,
  ],
  ['waitForWorkers: n of 1e20', (r) => r.waitForWorkers({ n: 1e20, timeout: 0 }), /`n`/],
  [
    'startLocalWorkers: heartbeatPeriod 1e20',
    (r) => r.startLocalWorkers(async () => {}, { heartbeatPeriod: 1e20 }),
    /`heartbeatPeriod`/,
  ],
  [
    'startLocalWorkers: heartbeatExpire past 2^31 - 1 s',
    (r) => r.startLocalWorkers(async () => {}, { heartbeatPeriod: 1, heartbeatExpire: 2 ** 31 }),
    /`heartbeatExpire`/,
  ],
  [
    'startLocalWorkers: a million workers',
    (r) => r.startLocalWorkers(async () => {}, { nWorkers: 1e6 }),
    /`nWorkers`.*100000/,
  ],
  [
    'startLocalWorkers: logBufferSize 1e20',
    (r) => r.startLocalWorkers(async () => {}, { logBufferSize: 1e20 }),
    /`logBufferSize`/,
  ],
  [
    'startLocalWorkers: maxLogEntries Infinity',
    (r) => r.startLocalWorkers(async () => {}, { maxLogEntries: Number.POSITIVE_INFINITY }),
    /`maxLogEntries`/,
  ],
  [
    'workerScript: heartbeatPeriod -0',
    (r) => r.workerScript(async () => {}, { heartbeatPeriod: -0 }),
    /`heartbeatPeriod`/,
  ],
];

describe('bad input', () => {
  it.each(calls)(
    '%s → RushInputError naming the argument, nothing written',
    async (_, call, argument) => {
      const rush = await manager();
      await rush.pushTasks([{ x: 0 }]);
      const before = await rush.fetchTasksWithState();
      const error = await call(rush).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RushInputError);
      expect((error as Error).message).toMatch(argument);
      expect(await rush.fetchTasksWithState()).toEqual(before);
    },
  );

  it('rejects bad constructor options', () => {
    expect(() => new RushWorker({ networkId: 'n', heartbeatPeriod: 0 })).toThrow(
      /`heartbeatPeriod`/,
    );
    expect(
      () => new RushWorker({ networkId: 'n', heartbeatPeriod: 2, heartbeatExpire: 1 }),
    ).toThrow(/`heartbeatExpire`/);
    expect(() => new RushWorker({ networkId: 'n', heartbeatPeriod: 1.5 })).toThrow(RushInputError);
    expect(() => new RushWorker({ networkId: '', config: redisUrl() })).toThrow(/`networkId`/);
    expect(() => new RushWorker({ networkId: 'a{b}', config: redisUrl() })).toThrow(/`networkId`/);
    expect(() => new RushWorker({ networkId: 'n', workerId: 'has space' })).toThrow(/`workerId`/);
    expect(() => new RushWorker({ networkId: 'n', heartbeatPeriod: 1e20 })).toThrow(
      /`heartbeatPeriod`/,
    );
    expect(() => new Rush({ networkId: 'n', config: redisUrl(), secret: '' })).toThrow(/`secret`/);
    const secretError = (() => {
      try {
        new Rush({ networkId: 'n', config: redisUrl(), secret: 42 as never });
      } catch (error) {
        return error;
      }
    })();
    expect(secretError).toBeInstanceOf(RushInputError);
  });

  it('rushPlan refuses numbers out of range before it connects', async () => {
    for (const [options, argument] of [
      [{ logBufferSize: 1e20 }, /`logBufferSize`/],
      [{ nWorkers: 1e6 }, /`nWorkers`/],
      [{ maxObjectSize: 2 ** 53 }, /`maxObjectSize`/],
      [{ startWorkerTimeout: 1e300 }, /`startWorkerTimeout`/],
    ] as const) {
      await expect(rushPlan({ config: redisUrl(), ...options })).rejects.toThrow(argument);
    }
    expect(rushAvailable()).toBe(false);
  });

  it('a timeout of Infinity blocks until a task comes; -0 does not block', async () => {
    const rush = await manager();
    expect(await rush.popTask({ timeout: -0 })).toBeNull();
    const waiting = rush.popTask({ timeout: Number.POSITIVE_INFINITY });
    const [key] = await rush.pushTasks([{ x: 1 }]);
    expect((await waiting)?.key).toBe(key);
  });
});

describe('input checks', () => {
  it('networkId cannot be reassigned at run time', async () => {
    const rush = await manager();
    const id = rush.networkId;
    expect(() => {
      (rush as unknown as { networkId: string }).networkId = 'other';
    }).toThrow(TypeError);
    expect(rush.networkId).toBe(id);
  });

  it('names a directory in full when it does not exist', async () => {
    const missing = `${tempDir()}/${'a-rather-long-directory-name-'.repeat(4)}missing`;
    let error: unknown;
    try {
      storeLargeObject({ x: 1 }, missing);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RushInputError);
    expect((error as Error).message).toContain(JSON.stringify(missing));
    const rush = await manager();
    await expect(
      rush.startLocalWorkers(async () => {}, { nWorkers: 1, messageLog: missing }),
    ).rejects.toThrow(JSON.stringify(missing));
  });
});
