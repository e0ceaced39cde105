/**
 * A worker's heartbeat: a worker asked to terminate ends without a heartbeat failure; a
 * heartbeat Redis lost is written again, but not once the worker was declared lost (it stops);
 * a heartbeat that fails for good fails its worker clearly (logged, terminated) instead of
 * leaving it to be declared lost.
 */
import { describe, expect, it } from 'vitest';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, rawClient, waitUntil, worker } from '../helpers/network.js';

describe('a heartbeat worker', () => {
  it('asked to terminate, terminates cleanly (no failure reported)', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, { heartbeatPeriod: 1 });
    await rush.stopWorkers({ type: 'terminate', workerIds: [w.workerId] });
    await waitUntil(() => w.terminated, { what: 'the terminate request to arrive' });
    expect(w.watchFailure).toBeUndefined();
  });

  it('writes a heartbeat Redis lost again, but not once it was declared lost (it stops)', async () => {
    const id = newNetworkId();
    await manager(id);
    const w = await worker(id, { heartbeatPeriod: 1, heartbeatExpire: 2 });
    const raw = rawClient();
    const keys = new RushKeys(id);
    const heartbeat = keys.heartbeat(w.workerId);
    await raw.del(heartbeat); // lost by Redis (say a failover): the worker is still running
    await waitUntil(async () => (await raw.exists(heartbeat)) === 1, {
      what: 'the heartbeat to be written again',
    });
    // Declared lost (as detectLostWorkers does): the heartbeat is not brought back.
    await raw.smove(keys.runningWorkers, keys.terminatedWorkers, w.workerId);
    await raw.del(heartbeat);
    await waitUntil(() => w.terminated, { what: 'the worker to see it was dropped' });
    expect(await raw.exists(heartbeat)).toBe(0);
  });
});

describe('a heartbeat that fails for good', () => {
  it('fails the worker clearly (logged, terminated) instead of letting it be declared lost', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, {
      heartbeatPeriod: 1,
      logThresholds: { rushnet: 'info' },
    });
    // Make the running-workers set a string: every flag check now gets WRONGTYPE, for good.
    const raw = rawClient();
    const runningWorkers = new RushKeys(id).runningWorkers;
    await raw.del(runningWorkers);
    await raw.set(runningWorkers, 'not a set');
    await waitUntil(() => w.watchFailure, { what: 'the sentinel to give up' });
    expect(w.watchFailure).toMatch(/WRONGTYPE/);
    expect(w.terminated).toBe(true);
    await raw.del(runningWorkers);
    const log = await waitUntil(
      async () => {
        const records = await rush.readLog({ workerIds: [w.workerId] });
        return records.find((r) => r.level === 'error') ? records : undefined;
      },
      { what: 'the error record in the worker log' },
    );
    expect(log.some((r) => /failed for good/.test(r.msg))).toBe(true);
  });
});
