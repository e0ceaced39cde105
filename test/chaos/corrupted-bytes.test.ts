/**
 * Chaos: corrupted bytes. While queue workers and learning workers run, stored values are
 * overwritten with bytes that are not what rushnet writes (queued tasks' inputs, running tasks'
 * inputs, finished records, finished tasks' outputs). The network carries on: no read throws,
 * no worker dies, each queued task with bad input is failed for good as undecodable, each task
 * with a bad value drops from the reads that meet it, the invariants hold, and nothing else is
 * lost.
 */
import { describe, expect, it } from 'vitest';
import type { WorkerLoop } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { encodeValue } from '../../src/tasks/codec.js';
import { manager, newNetworkId, waitUntil } from '../helpers/network.js';
import {
  announce,
  privateServer,
  queueLoop,
  random,
  seeds,
  sleep,
  stopAll,
  verifyAndReset,
} from './chaos.js';

const files = privateServer();

const TASKS = 300;
const learnerLoop: WorkerLoop = {
  module: new URL('../fixtures/corrupted-bytes-loops.mjs', import.meta.url),
  export: 'learner',
};

/** Bytes that no reader of rushnet can decode, each broken in its own way. */
const GARBAGE: Buffer[] = [
  encodeValue({ x: 1, note: 'cut short' }, 'v').subarray(0, 5),
  Buffer.concat([encodeValue({ x: 1 }, 'v'), Buffer.from([0x00])]),
  Buffer.from([0x8f, 0xa1, 0x78]),
  Buffer.from([0xd4, 0x55, 0x00]),
  Buffer.from([0xc1]),
  Buffer.from('{"x": 1}'),
  Buffer.from([0xde]),
  Buffer.alloc(0),
];

/**
 * Overwrites field ARGV[2] of a task taken from a collection in one atomic step, so the test
 * knows the state the task was in: the entry of list KEYS[1] at the fraction ARGV[4] of its
 * length ('list'), a member of a set ('set'), or the list entry at index ARGV[4] ('at').
 * Returns the task's key.
 */
const CORRUPT_FIELD = `
local key
if ARGV[3] == 'list' then
  local n = redis.call('LLEN', KEYS[1])
  key = redis.call('LINDEX', KEYS[1], math.floor(tonumber(ARGV[4]) * n))
elseif ARGV[3] == 'set' then key = redis.call('SRANDMEMBER', KEYS[1])
else key = redis.call('LINDEX', KEYS[1], tonumber(ARGV[4])) end
if not key then return false end
redis.call('HSET', ARGV[1] .. key, ARGV[2], ARGV[5])
return key`;

/** Overwrites the finished record at ARGV[1]; returns the key of its task. */
const CORRUPT_RECORD = `
local key = redis.call('LINDEX', KEYS[1], tonumber(ARGV[1]))
if not key then return false end
redis.call('LSET', KEYS[2], tonumber(ARGV[1]), ARGV[2])
return key`;

describe('chaos: corrupted bytes', () => {
  it.each(seeds())(
    'stored values overwritten with garbage during a run (seed %i)',
    async (seed) => {
      announce('corrupted-bytes', seed);
      const rng = random(seed);
      const raw = files.raw;
      const rush = await manager(newNetworkId(), files.server.url);
      const k = new RushKeys(rush.networkId);
      const heartbeat = { heartbeatPeriod: 1, heartbeatExpire: 10 };
      const ids = [
        ...(await rush.startLocalWorkers(queueLoop, { nWorkers: 2, args: [10], ...heartbeat })),
        ...(await rush.startLocalWorkers(learnerLoop, { nWorkers: 2, args: [30], ...heartbeat })),
      ];
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      const created = await rush.pushTasks(Array.from({ length: TASKS }, (_, x) => ({ x })));

      /** Queued when corrupted: failed for good by whichever worker pops them. */
      const badQueued = new Set<string>();
      /** Running when their input was corrupted: they finish, then drop from every read. */
      const badRunning = new Set<string>();
      /** Finished tasks whose record was corrupted: they drop from the finished reads. */
      const badRecords = new Set<string>();
      /** Finished tasks whose stored output was corrupted: they drop from the hash reads. */
      const badOutputs = new Set<string>();
      const garbage = () => rng.pick(GARBAGE);
      let reads = 0;
      for (let fault = 0; fault < 24; fault++) {
        await sleep(rng.int(10, 120));
        const kind = rng.pick(['queued', 'running', 'record', 'output'] as const);
        if (kind === 'queued' || kind === 'running') {
          const [list, how] = kind === 'queued' ? [k.queued, 'list'] : [k.running, 'set'];
          const key = (await raw.eval(
            CORRUPT_FIELD,
            1,
            list,
            k.taskPrefix,
            'xs',
            how,
            rng.next(),
            garbage(),
          )) as string | null;
          if (key) (kind === 'queued' ? badQueued : badRunning).add(key);
        } else {
          const n = await raw.llen(k.finished);
          if (n === 0) continue;
          const at = rng.int(0, n - 1);
          const key =
            kind === 'record'
              ? ((await raw.eval(
                  CORRUPT_RECORD,
                  2,
                  k.finished,
                  k.finishedRecords,
                  at,
                  garbage(),
                )) as string | null)
              : ((await raw.eval(
                  CORRUPT_FIELD,
                  1,
                  k.finished,
                  k.taskPrefix,
                  'ys',
                  'at',
                  at,
                  garbage(),
                )) as string | null);
          if (key) (kind === 'record' ? badRecords : badOutputs).add(key);
        }
        // The manager reads all along: no read fails because of a bad entry.
        await rush.fetchFinishedTasks();
        await rush.fetchNewTasks();
        await rush.fetchTasksWithState();
        reads++;
      }
      expect(reads).toBe(24);
      process.stdout.write(
        `corrupted: ${badQueued.size} queued, ${badRunning.size} running, ${badRecords.size} records, ${badOutputs.size} outputs\n`,
      );
      expect(badQueued.size + badRunning.size + badRecords.size + badOutputs.size).toBeGreaterThan(
        0,
      );

      // The queue drains: no worker died on a bad task.
      await waitUntil(
        async () =>
          (await rush.nQueuedTasks()) === 0 &&
          (await rush.isRunningTask(created)).every((running) => !running),
        { timeoutMs: 120_000, what: 'the queue to drain' },
      );
      expect((await rush.runningWorkerIds()).sort()).toEqual([...ids].sort());
      const lost = await rush.detectLostWorkers();
      expect(lost).toEqual([]);
      await stopAll(rush);

      // Each task queued with bad input was failed for good as undecodable; nothing else failed.
      const failed = await rush.failedTasks();
      expect(new Set(failed)).toEqual(badQueued);
      const conditions = await rush.readHashes(failed, ['condition'], { flatten: false });
      expect(conditions).toHaveLength(failed.length);
      for (const { condition } of conditions) {
        expect(condition).toMatchObject({
          message: expect.stringMatching(/^Task data could not be decoded/),
          undecodable: true,
        });
      }
      // Every other task finished: nothing lost.
      const finished = await rush.finishedTasks();
      const finishedSet = new Set(finished);
      expect(created.filter((key) => !finishedSet.has(key) && !badQueued.has(key))).toEqual([]);

      // Reads drop exactly the tasks whose bytes they meet, and keep everything else in order.
      const fresh = await manager(rush.networkId, files.server.url);
      const fromRecords = await fresh.fetchFinishedTasks();
      const droppedFromRecords = (key: string) => badRecords.has(key) || badRunning.has(key);
      expect(fromRecords.map((r) => r.key)).toEqual(
        finished.filter((key) => !droppedFromRecords(key)),
      );
      expect((await fresh.fetchFinishedTasks({ columns: true })).key).toEqual(
        fromRecords.map((r) => r.key),
      );
      const fromHashes = await fresh.fetchTasks({ fields: ['xs', 'ys'] });
      const all = await fresh.tasks();
      // A finished task's values are stored once, in its record: reads by key meet it too.
      const droppedFromHashes = (key: string) =>
        badQueued.has(key) || badRunning.has(key) || badOutputs.has(key) || badRecords.has(key);
      expect(fromHashes.map((r) => r.key)).toEqual(all.filter((key) => !droppedFromHashes(key)));
      // The learners read every finished task they could, and stopped cleanly.
      const log = await rush.readLog({ workerIds: ids });
      expect(log.filter((r) => /^learner read \d+ tasks$/.test(r.msg))).toHaveLength(2);

      await verifyAndReset(raw, rush, { settled: true, aliveWorkers: ids, reportedLost: lost });
      await fresh.close();
    },
  );
});
