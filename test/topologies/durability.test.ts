/**
 * The `durability` option through Sentinel (a primary, one replica): every state change is on
 * the replica by the time the call returns; fewer replicas than asked is a warning naming how
 * many confirmed, not an error; workers started by a manager use its setting; bad settings are
 * RushInputErrors naming the field.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RushInputError, RushWorker, rsh } from '../../src/index.js';
import { logger } from '../../src/logging/logger.js';
import { RushKeys } from '../../src/redis/keys.js';
import { command, waitFor } from '../helpers/servers/process.js';
import { startSentinel, type TestSentinel } from '../helpers/servers/sentinel.js';
import { newNetworkId } from './scenario.js';

let topology: TestSentinel;

beforeAll(async () => {
  topology = await startSentinel();
});

afterAll(async () => {
  await topology?.stop();
});

/** Runs a command on the replica (the data node that is not the primary). */
async function onReplica(args: (string | number)[]): Promise<unknown> {
  const primary = await topology.primaryPort();
  const replica = [...topology.dataNodes.keys()].find((port) => port !== primary)!;
  return command(replica, args);
}

describe('durability', () => {
  it('refuses bad settings with a RushInputError naming the field', async () => {
    const cases: [unknown, string][] = [
      [1, 'durability'],
      [{}, 'durability.replicas'],
      [{ replicas: 0 }, 'durability.replicas'],
      [{ replicas: 1.5 }, 'durability.replicas'],
      [{ replicas: 1, timeout: 0 }, 'durability.timeout'],
      [{ replicas: 1, timeout: Number.POSITIVE_INFINITY }, 'durability.timeout'],
      [{ replicas: 1, timeout: '1' }, 'durability.timeout'],
      [{ replicas: 1, wait: true }, 'durability.wait'],
    ];
    for (const [durability, argument] of cases) {
      const options = { config: topology.config, durability } as Parameters<typeof rsh>[0];
      const error = await rsh(options).catch((e: unknown) => e);
      expect(error, JSON.stringify(durability)).toBeInstanceOf(RushInputError);
      expect((error as RushInputError).argument).toBe(argument);
      const worker = () =>
        new RushWorker({ networkId: 'n', config: topology.config, durability } as never);
      expect(worker).toThrow(RushInputError);
    }
  });

  it('every state change is on the replica when the call returns', async () => {
    const networkId = newNetworkId();
    const durability = { replicas: 1, timeout: 5 };
    const k = new RushKeys(networkId);
    const rush = await rsh({ networkId, config: topology.config, durability });
    const worker = await RushWorker.create({ networkId, config: topology.config, durability });
    try {
      expect(rush.durability).toEqual({ replicas: 1, timeout: 5 });
      expect(await onReplica(['SISMEMBER', k.runningWorkers, worker.workerId])).toBe(1);
      const [a, b, c, d] = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
      expect(await onReplica(['LRANGE', k.queued, 0, -1])).toEqual([a, b, c, d]);
      expect((await worker.popTask({ timeout: 1 }))?.key).toBe(a);
      expect(await onReplica(['SISMEMBER', k.running, a!])).toBe(1);
      await worker.finishTasks([a!], [{ y: 2 }]);
      expect(await onReplica(['LRANGE', k.finished, 0, -1])).toEqual([a]);
      const [popped] = await worker.popTasks(1, { timeout: 1 });
      expect(popped?.key).toBe(b);
      await worker.failTasks([b!]);
      await rush.emptyQueue({ keys: [d!] });
      expect(((await onReplica(['SMEMBERS', k.failed])) as string[]).sort()).toEqual([b, d].sort());
      await rush.writeHashes({ note: ['x'] }, { keys: [c!] });
      expect(await onReplica(['HEXISTS', k.task(c!), 'note'])).toBe(1);
      const [e] = await worker.pushRunningTasks([{ x: 5 }]);
      expect(await onReplica(['SISMEMBER', k.running, e!])).toBe(1);
      await worker.failAndTerminate({ message: 'stop' });
      expect(await onReplica(['SISMEMBER', k.terminatedWorkers, worker.workerId])).toBe(1);
      expect(await onReplica(['SISMEMBER', k.failed, e!])).toBe(1);
      const other = await RushWorker.create({ networkId, config: topology.config, durability });
      expect((await other.popTask({ timeout: 1 }))?.key).toBe(c);
      await other.setTerminated();
      expect(await onReplica(['SISMEMBER', k.terminatedWorkers, other.workerId])).toBe(1);
      await other.close();
      await rush.reset();
      expect(await onReplica(['EXISTS', k.tasks, k.finished, k.failed])).toBe(0);
    } finally {
      await worker.close();
      await rush.close();
    }
  });

  it('fewer replicas than asked: the write happens, with a warning naming how many confirmed', async () => {
    const networkId = newNetworkId();
    const warn = vi.spyOn(logger, 'warn');
    const rush = await rsh({
      networkId,
      config: topology.config,
      durability: { replicas: 2, timeout: 0.2 },
    });
    try {
      const keys = await rush.pushTasks([{ x: 1 }]);
      expect(await rush.nQueuedTasks()).toBe(1);
      expect(keys).toHaveLength(1);
      const [fields, message] = warn.mock.calls.find(([, m]) => /replica/.test(String(m)))!;
      expect(fields).toMatchObject({ network: networkId, confirmed: 1, replicas: 2 });
      expect(message).toBe(
        'a state change was confirmed by 1 of 2 replica(s) within 0.2 s: it is on the primary, and a failover now may lose it',
      );
      await rush.reset();
    } finally {
      warn.mockRestore();
      await rush.close();
    }
  });

  it('workers started by a durable manager use its setting', async () => {
    const networkId = newNetworkId();
    const rush = await rsh({ networkId, config: topology.config, durability: { replicas: 1 } });
    try {
      const ids = await rush.startLocalWorkers(
        async (worker: RushWorker) => {
          await worker.pushFinishedTasks([{ x: 1 }], [{ durability: worker.durability ?? null }]);
          while (!worker.terminated) await new Promise((r) => setTimeout(r, 50));
        },
        { nWorkers: 1 },
      );
      await waitFor('the worker to report', async () => (await rush.nFinishedTasks()) === 1, {
        timeoutMs: 60_000,
      });
      const [row] = await rush.fetchFinishedTasks();
      expect(row?.durability).toEqual({ replicas: 1, timeout: 1 });
      await rush.stopWorkers({ type: 'terminate' });
      const child = rush.processes.get(ids[0]!)!;
      await waitFor('the worker to exit', () => child.exitCode !== null, { timeoutMs: 30_000 });
      await rush.reset();
    } finally {
      await rush.close();
    }
  });
});
