import { describe, expect, it, vi } from 'vitest';
import { manager, newNetworkId, worker } from '../helpers/network.js';

describe('creating and moving tasks', () => {
  it('pushes queued tasks and pops them in FIFO order', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }], { xssExtra: [{ tag: 'a' }] });
    expect(keys).toHaveLength(3);
    expect(await rush.queuedTasks()).toEqual(keys);
    expect(await rush.tasks()).toEqual(keys);
    const popped = [];
    for (let i = 0; i < 3; i++)
      popped.push(await rush.popTask({ timeout: 0, fields: ['xs', 'xs_extra'] }));
    expect(popped.map((t) => t?.key)).toEqual(keys);
    expect(popped.map((t) => t?.xs)).toEqual([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(popped[0]?.xs_extra).toEqual({ tag: 'a' });
    expect(await rush.popTask({ timeout: 0 })).toBeNull();
    expect(await rush.nRunningTasks()).toBe(3);
  });

  it('an empty list is a no-op returning []', async () => {
    const rush = await manager();
    expect(await rush.pushTasks([])).toEqual([]);
    expect(await rush.pushFinishedTasks([], [])).toEqual([]);
    expect(await rush.finishTasks([], [])).toEqual([]);
    expect(await rush.failTasks([])).toEqual([]);
    expect(await rush.nTasks()).toBe(0);
  });

  it('creates tasks in each state with the caller as worker', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [running] = await w.pushRunningTasks([{ x: 1 }]);
    const [finished] = await w.pushFinishedTasks([{ x: 2 }], [{ y: 4 }], { yssExtra: [{ t: 1 }] });
    const [failed] = await w.pushFailedTasks([{ x: 3 }]);
    expect(await rush.tasksWithState(['running', 'finished', 'failed'])).toEqual({
      running: [running],
      finished: [finished],
      failed: [failed],
    });
    const rows = await rush.fetchTasks();
    expect(rows).toHaveLength(3);
    // Each row has the timestamps of its state (one instant: the tasks were created so).
    const at = expect.any(Number);
    expect(rows[0]).toEqual({
      key: running,
      x: 1,
      worker_id: w.workerId,
      created_at: at,
      started_at: at,
    });
    expect(rows[1]).toEqual({
      key: finished,
      x: 2,
      y: 4,
      t: 1,
      worker_id: w.workerId,
      created_at: at,
      started_at: at,
      finished_at: at,
    });
    expect(rows[2]).toEqual({
      key: failed,
      x: 3,
      worker_id: w.workerId,
      condition: { message: 'Task failed' },
      created_at: at,
      finished_at: at,
    });
  });

  it('finishes running tasks once: first writer wins both ways', async () => {
    const rush = await manager();
    const [a, b] = await rush.pushRunningTasks([{ x: 1 }, { x: 2 }]);
    expect(await rush.failTasks([a!], { conditions: [{ message: 'boom' }] })).toEqual([a]);
    expect(await rush.finishTasks([a!], [{ y: 1 }])).toEqual([]);
    expect(await rush.finishTasks([b!], [{ y: 2 }])).toEqual([b]);
    expect(await rush.failTasks([b!])).toEqual([]);
    expect(await rush.finishedTasks()).toEqual([b]);
    expect(await rush.failedTasks()).toEqual([a]);
    expect(await rush.isFailedTask([a!, b!])).toEqual([true, false]);
    const [failedRow] = await rush.fetchFailedTasks();
    expect(failedRow?.condition).toEqual({ message: 'boom' });
    expect(failedRow?.ys).toBeUndefined();
  });
});

describe('deprecated aliases', () => {
  it('pushResults and pushFailed work and warn once each', async () => {
    const rush = await manager();
    const warn = vi.spyOn(rush.logger, 'warn');
    const keys = await rush.pushRunningTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(await rush.pushResults([keys[0]!], [{ y: 1 }])).toEqual([keys[0]]);
    expect(await rush.pushResults([keys[1]!], [{ y: 2 }])).toEqual([keys[1]]);
    expect(await rush.pushFailed([keys[2]!])).toEqual([keys[2]]);
    const deprecations = warn.mock.calls
      .map((c) => String(c[0]))
      .filter((m) => m.includes('deprecated'));
    expect(deprecations).toEqual([
      'pushResults() is deprecated: use finishTasks()',
      'pushFailed() is deprecated: use failTasks()',
    ]);
    warn.mockRestore();
  });
});
