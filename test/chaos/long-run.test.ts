import { describe, expect, it } from 'vitest';
import { type Rush, RushInputError, RushTimeoutError, RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { checkInvariants } from '../helpers/invariants.js';
import { manager, newNetworkId, scanNetworkKeys } from '../helpers/network.js';
import { announce, privateServer, random, seeds } from './chaos.js';

const files = privateServer();

describe('chaos: long runs and bad input', () => {
  it('per-worker log lists stay capped however much is logged', async () => {
    const networkId = newNetworkId();
    const rush = await manager(networkId, files.server.url);
    const worker = await RushWorker.create({
      networkId,
      config: files.server.url,
      logThresholds: { rushnet: 'info', app: 'debug' },
      maxLogEntries: 50,
      logBufferSize: 7,
    });
    const key = new RushKeys(networkId).log(worker.workerId);
    for (let batch = 0; batch < 40; batch++) {
      for (let i = 0; i < 100; i++) worker.getLogger('app').debug({ batch, i }, 'a record');
      await worker.setTerminated(); // flushes the buffer
      expect(await files.raw.llen(key)).toBeLessThanOrEqual(50);
    }
    const records = await rush.readLog();
    expect(records).toHaveLength(50);
    expect(records.at(-1)).toMatchObject({ batch: 39, i: 99 });
    await worker.close();
    await rush.reset();
    expect(await scanNetworkKeys(files.raw, networkId)).toEqual([]);
  });

  it.each(seeds())(
    'every public method refuses bad input by name and writes nothing (seed %i)',
    async (seed) => {
      announce('bad-input-sweep', seed);
      const rng = random(seed);
      const networkId = newNetworkId();
      const rush = await manager(networkId, files.server.url);
      await rush.pushTasks([{ x: 1 }]);
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      const huge = 'x'.repeat(200_000);
      const bad: unknown[] = [
        undefined,
        null,
        42,
        -1,
        Number.NaN,
        'text',
        '',
        true,
        {},
        [],
        [null],
        [1, 2],
        [{}],
        () => 1,
        Symbol('s'),
        circular,
        { huge },
        [huge],
        new Map(),
        Array.from({ length: 5000 }, () => 7),
      ];
      const calls: [string, (rush: Rush, value: unknown) => Promise<unknown>][] = [
        ['pushTasks', (r, v) => r.pushTasks(v as never)],
        ['pushTasks/options', (r, v) => r.pushTasks([{ x: 1 }], v as never)],
        ['pushRunningTasks', (r, v) => r.pushRunningTasks(v as never)],
        ['pushFinishedTasks/yss', (r, v) => r.pushFinishedTasks([{ x: 1 }], v as never)],
        [
          'pushFailedTasks/options',
          (r, v) => r.pushFailedTasks([{ x: 1 }], { conditions: v as never }),
        ],
        ['popTask', (r, v) => r.popTask(v as never)],
        ['popTasks', (r, v) => r.popTasks(v as never, { timeout: 0 })],
        ['finishTasks/keys', (r, v) => r.finishTasks(v as never, [{ y: 1 }])],
        ['finishTasks/yss', (r, v) => r.finishTasks(['k'], v as never)],
        ['failTasks', (r, v) => r.failTasks(v as never)],
        ['emptyQueue', (r, v) => r.emptyQueue(v as never)],
        ['fetchTasks', (r, v) => r.fetchTasks(v as never)],
        ['fetchFinishedTasks', (r, v) => r.fetchFinishedTasks({ fields: v as never })],
        ['fetchNewTasks', (r, v) => r.fetchNewTasks({ timeout: v as never })],
        ['fetchTasksWithState', (r, v) => r.fetchTasksWithState({ states: v as never })],
        ['waitForTasks', (r, v) => r.waitForTasks(v as never, { timeout: 0 })],
        ['writeHashes', (r, v) => r.writeHashes(v as never)],
        ['readHashes', (r, v) => r.readHashes(v as never, ['xs'])],
        ['readHash', (r, v) => r.readHash(v as never, ['xs'])],
        ['isRunningTask', (r, v) => r.isRunningTask(v as never)],
        ['tasksWithState', (r, v) => r.tasksWithState(v as never)],
        ['waitForWorkers', (r, v) => r.waitForWorkers({ n: v as never, timeout: 0 })],
        ['stopWorkers', (r, v) => r.stopWorkers(v as never)],
        ['readLog', (r, v) => r.readLog(v as never)],
        ['reset', (r, v) => r.reset({ workers: v as never })],
        ['workerScript', (r, v) => r.workerScript(v as never)],
        ['startLocalWorkers', (r, v) => r.startLocalWorkers(v as never, { nWorkers: 1 })],
      ];
      // Numbers past what Redis or a timer accepts (none of them valid where they go here).
      const tooBig = [1e300, 1e20, 2 ** 31, 2 ** 53, Number.NEGATIVE_INFINITY, Number.NaN, -1e-9];
      const forever = [...tooBig, Number.POSITIVE_INFINITY, -0, 0.5];
      type NumberCall = [string, (rush: Rush, value: unknown) => Promise<unknown>, unknown[]];
      const noop = async () => {};
      const numberCalls: NumberCall[] = [
        ['popTask/timeout', (r, v) => r.popTask({ timeout: v as never }), tooBig],
        ['popTasks/n', (r, v) => r.popTasks(v as never, { timeout: 0 }), forever],
        ['fetchNewTasks/timeout', (r, v) => r.fetchNewTasks({ timeout: v as never }), tooBig],
        ['waitForTasks/timeout', (r, v) => r.waitForTasks(['k'], { timeout: v as never }), tooBig],
        [
          'waitForWorkers/timeout',
          (r, v) => r.waitForWorkers({ n: 1, timeout: v as never }),
          tooBig,
        ],
        [
          'startLocalWorkers/heartbeatPeriod',
          (r, v) => r.startLocalWorkers(noop, { nWorkers: 1, heartbeatPeriod: v as never }),
          forever,
        ],
        [
          'startLocalWorkers/heartbeatExpire',
          (r, v) =>
            r.startLocalWorkers(noop, {
              nWorkers: 1,
              heartbeatPeriod: 1,
              heartbeatExpire: v as never,
            }),
          forever,
        ],
        [
          'startLocalWorkers/nWorkers',
          (r, v) => r.startLocalWorkers(noop, { nWorkers: v as never }),
          forever,
        ],
        [
          'workerScript/logBufferSize',
          (r, v) => r.workerScript(noop, { logBufferSize: v as never }),
          [...tooBig, Number.POSITIVE_INFINITY, 0.5],
        ],
        [
          'workerScript/maxLogEntries',
          (r, v) => r.workerScript(noop, { maxLogEntries: v as never }),
          forever,
        ],
      ];
      let refused = 0;
      const grid: NumberCall[] = [
        ...calls.map(([n, c]): NumberCall => [n, c, bad]),
        ...numberCalls,
      ];
      for (const [name, call, values] of grid) {
        for (const value of values) {
          if (rng.next() < 0.5) continue; // a random half of the grid each round
          const before = (await scanNetworkKeys(files.raw, networkId)).sort();
          const tasks = await rush.tasks();
          let error: unknown;
          try {
            await call(rush, value);
          } catch (e) {
            error = e;
          }
          if (error === undefined) continue; // a value that happens to be valid
          if (error instanceof RushTimeoutError) continue; // a valid wait that ran out of time
          expect
            .soft(error, `${name}(${String(value).slice(0, 20)})`)
            .toBeInstanceOf(RushInputError);
          if (!(error instanceof RushInputError)) continue;
          refused++;
          expect(error.message).toMatch(/^`[^`]+` /);
          expect(
            (await scanNetworkKeys(files.raw, networkId)).sort(),
            `${name} wrote something`,
          ).toEqual(before);
          expect(await rush.tasks()).toEqual(tasks);
        }
      }
      expect(refused).toBeGreaterThan(40);
      await rush.stopWorkers({ type: 'kill' });
      expect(await checkInvariants(files.raw, networkId)).toEqual([]);
      await rush.reset();
    },
  );
});
