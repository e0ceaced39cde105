/**
 * rushnet through Sentinel (a primary, a replica, 3 sentinels): the task round trip, a worker
 * blocked in popTask that resumes on the new primary after a forced failover, and writes
 * that continue after the primary crashes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RushConfigError, rsh } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { LIBRARY } from '../../src/redis/scripts/index.js';
import { command, waitFor } from '../helpers/servers/process.js';
import { startSentinel, type TestSentinel } from '../helpers/servers/sentinel.js';
import { pair, popAndFinish, roundTrip } from './scenario.js';

let topology: TestSentinel | undefined;

afterEach(async () => {
  await topology?.stop();
  topology = undefined;
});

/** Whether a client of this network is blocked in BLMOVE on the server at `port`. */
async function blockedPop(port: number): Promise<boolean> {
  const clients = String(await command(port, ['CLIENT', 'LIST']));
  return clients.split('\n').some((line) => /\bcmd=blmove\b/.test(line));
}

describe('Redis Sentinel', () => {
  it('runs the task round trip; an unknown primary name is a RushConfigError', async () => {
    topology = await startSentinel();
    await roundTrip(topology.config);
    const unknown = await rsh({ config: { ...topology.config, name: 'nope' } }).catch(
      (e: unknown) => e,
    );
    expect(unknown).toBeInstanceOf(RushConfigError);
    expect((unknown as Error).message).toMatch(/know no primary named "nope"/);
  });

  it('a worker blocked in popTask resumes on the new primary after a forced failover', async () => {
    topology = await startSentinel();
    const { rush, worker, close } = await pair(topology.config);
    try {
      const before = await rush.pushTasks([{ x: 1 }]);
      expect(await popAndFinish(worker, 1)).toEqual(before);
      const oldPrimary = await topology.primaryPort();
      const popping = worker.popTask({ timeout: 10 });
      popping.catch(() => {}); // awaited below
      await waitFor('the worker blocked on the primary', () => blockedPop(oldPrimary));

      const { from, to } = await topology.failover('command');
      expect(from).toBe(oldPrimary);
      // The manager's writes reach the new primary (its client followed the failover).
      const probe = `${new RushKeys(rush.networkId).prefix}probe`; // in the network's slot
      await waitFor('the manager on the new primary', async () => {
        await rush.connector.set(probe, '1');
        return (await command(to, ['EXISTS', probe])) === 1;
      });
      await rush.connector.del(probe);
      await waitFor('the worker blocked on the new primary', () => blockedPop(to));
      const [pushed] = await rush.pushTasks([{ x: 2 }]);
      const task = await popping;
      expect(task?.key).toBe(pushed);
      await worker.finishTasks([task!.key], [{ y: 4 }]);
      expect(await rush.counts()).toMatchObject({ queued: 0, running: 0, finished: 2 });
    } finally {
      await close();
    }
  });

  it('writes and heartbeats continue after the primary crashes', async () => {
    topology = await startSentinel();
    const { rush, worker, close } = await pair(topology.config, undefined, {
      heartbeatPeriod: 1,
      heartbeatExpire: 30,
    });
    const heartbeat = new RushKeys(rush.networkId).heartbeat(worker.workerId);
    try {
      const before = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
      expect(await popAndFinish(worker, 1)).toEqual(before.slice(0, 1));
      // Wait until the replica has the writes: what a crash loses is Redis' doing, not ours.
      await waitFor('the replica in step with the primary', async () => {
        const primary = await topology!.primaryPort();
        const offset = async (port: number) =>
          Number(
            /master_repl_offset:(\d+)/.exec(
              String(await command(port, ['INFO', 'replication'])),
            )?.[1],
          );
        const others = [...topology!.dataNodes.keys()].filter((p) => p !== primary);
        const [mine, theirs] = await Promise.all([offset(primary), offset(others[0]!)]);
        return mine === theirs;
      });
      const { to } = await topology.failover('kill');
      // The heartbeat thread writes to the new primary: a deleted heartbeat comes back.
      await command(to, ['DEL', heartbeat]);
      await waitFor('the heartbeat on the new primary', async () => {
        return (await command(to, ['EXISTS', heartbeat])) === 1;
      });
      expect(await rush.detectLostWorkers()).toEqual([]);
      expect(await rush.runningWorkerIds()).toEqual([worker.workerId]);
      // The promoted replica has rushnet's function library (replicated), and the calls that
      // follow the failover use it.
      expect(JSON.stringify(await command(to, ['FUNCTION', 'LIST']))).toContain(LIBRARY.name);
      const fcalls = async () =>
        Number(
          /cmdstat_fcall:calls=(\d+)/.exec(
            String(await command(to, ['INFO', 'commandstats'])),
          )?.[1] ?? 0,
        );
      await waitFor('FCALL on the new primary', async () => {
        const calls = await fcalls();
        await rush.nQueuedTasks();
        await worker.nQueuedTasks();
        return (await fcalls()) >= calls + 2;
      });
      const after = await rush.pushTasks([{ x: 3 }]);
      expect(await popAndFinish(worker, 2)).toEqual([before[1], after[0]]);
      expect(await rush.counts()).toMatchObject({ queued: 0, running: 0, finished: 3 });
    } finally {
      await close();
    }
  });
});
