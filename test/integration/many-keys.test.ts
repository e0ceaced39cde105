/**
 * Any length of key list: a million keys through every method that takes keys, split into
 * short calls (never a stack overflow, never one call that holds the server for long).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { manager, newNetworkId, worker } from '../helpers/network.js';

const MILLION = 1_000_000;

describe('a million keys', () => {
  it('go through every key-taking method', { timeout: 300_000 }, async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const keys: string[] = Array.from({ length: MILLION }, () => randomUUID());
    // Two real tasks among them: one running, one queued.
    const [running] = await w.pushRunningTasks([{ x: 1 }]);
    const [queued] = await rush.pushTasks([{ x: 2 }]);
    keys[123_456] = running!;
    keys[654_321] = queued!;

    const isRunning = await rush.isRunningTask(keys);
    expect(isRunning).toHaveLength(MILLION);
    expect(isRunning.filter(Boolean)).toHaveLength(1);
    expect((await rush.isFailedTask(keys)).filter(Boolean)).toHaveLength(0);
    const rows = await rush.readHashes(keys, ['xs']);
    expect(rows.map((r) => r.key).sort()).toEqual([running, queued].sort());
    await rush.waitForTasks(
      keys.filter((k) => k !== running && k !== queued),
      { timeout: 60 },
    );
    expect(await w.finishTasks(keys, [{ y: 1 }])).toEqual([running]);
    expect(await rush.emptyQueue({ keys })).toEqual([queued]);
    expect(await rush.failTasks(keys)).toEqual([]);
    expect(await rush.stopWorkers({ workerIds: keys })).toEqual([]);
    const written = await rush.writeHashes({ note: ['n'] }, { keys });
    expect(written).toHaveLength(MILLION);
    expect(await rush.readHash(keys[999_999]!, ['note'])).toEqual({
      key: keys[999_999],
      note: 'n',
    });
    expect(await rush.counts()).toMatchObject({ finished: 1, failed: 1, queued: 0, running: 0 });
  });
});
