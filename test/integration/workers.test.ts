/**
 * Local workers: loops given as functions or modules, terminate and kill, a throwing loop, a
 * noisy one, a missing package; two starts in a row and a stop right after a start; reset with
 * workers; waitForWorkers and the checks of startLocalWorkers.
 */
import { readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RushInputError, RushTimeoutError, type RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, rawClient, scanNetworkKeys, tempDir, waitUntil } from '../helpers/network.js';

const fixtures = new URL('../fixtures/', import.meta.url);

/** A queue loop: pops tasks until asked to terminate. */
async function queueLoop(rush: RushWorker, factor: number) {
  while (!rush.terminated) {
    const task = await rush.popTask({ timeout: 0.2 });
    if (task) await rush.finishTasks([task.key], [{ y: (task.xs.x as number) * factor }]);
  }
}

describe('local workers', () => {
  it('run a function loop with its args; workerInfo shows distinct pids on this host', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(queueLoop, { nWorkers: 2, args: [3] });
    expect(ids).toHaveLength(2);
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    const info = await rush.workerInfo();
    expect(new Set(info.map((w) => w.worker_id))).toEqual(new Set(ids));
    expect(new Set(info.map((w) => w.pid)).size).toBe(2);
    expect(
      info.every(
        (w) => w.hostname === hostname() && w.state === 'running' && w.pid !== process.pid,
      ),
    ).toBe(true);
    expect(info.map((w) => w.pid).sort()).toEqual(
      ids.map((id) => rush.processes.get(id)!.pid).sort(),
    );
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 5 }]);
    await rush.waitForTasks(keys, { timeout: 30 });
    const rows = await rush.fetchFinishedTasks();
    expect(rows.map((r) => [r.x, r.y]).sort()).toEqual([
      [1, 3],
      [2, 6],
      [5, 15],
    ]);
    expect(new Set(rows.map((r) => r.worker_id)).size).toBeGreaterThanOrEqual(1);
  });

  it('run a module loop (default and named export) after importing packages', async () => {
    const rush = await manager();
    const [a] = await rush.startLocalWorkers(
      { module: new URL('module-loop.mjs', fixtures) },
      { nWorkers: 1, args: [10] },
    );
    const [key] = await rush.pushTasks([{ x: 4 }]);
    await rush.waitForWorkers({ workerIds: [a!], timeout: 30 });
    await rush.waitForTasks([key!], { timeout: 30 });
    expect(await rush.fetchFinishedTasks({ fields: ['ys'] })).toEqual([
      { key, y: 40, via: 'default export' },
    ]);
    await rush.stopWorkers({ type: 'terminate' });

    const packages = [new URL('side-effect-package.mjs', fixtures).pathname];
    const [b] = await rush.startLocalWorkers(
      { module: new URL('module-loop.mjs', fixtures).pathname, export: 'named' },
      { nWorkers: 1, args: ['hello'], packages },
    );
    await rush.waitForWorkers({ workerIds: [b!], timeout: 30 });
    const rows = await waitUntil(async () => {
      const all = await rush.fetchFinishedTasks({ fields: ['xs', 'ys'] });
      return all.length === 2 ? all : undefined;
    });
    expect(rows[1]).toMatchObject({ label: 'hello', via: 'named export', loaded: 'yes' });
  });

  it('terminate ends a `while (!rush.terminated)` loop and the worker terminates', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(
      async (rush) => {
        let spins = 0;
        while (!rush.terminated) {
          spins++;
          await new Promise((r) => setTimeout(r, 10));
        }
        await rush.pushFinishedTasks([{ spins }], [{ done: true }]);
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    expect(await rush.stopWorkers({ type: 'terminate' })).toEqual(ids);
    await waitUntil(async () => (await rush.nTerminatedWorkers()) === 1, {
      timeoutMs: 15_000,
      what: 'termination',
    });
    const child = rush.processes.get(ids[0]!)!;
    await waitUntil(() => child.exitCode !== null, { what: 'the process to exit' });
    expect(child.exitCode).toBe(0);
    const [row] = await rush.fetchFinishedTasks();
    expect(row?.done).toBe(true);
    expect(await rush.detectLostWorkers()).toEqual([]);
  });

  it('kill stops the process and fails its running tasks with "Worker was killed"', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(
      async (rush) => {
        await rush.pushRunningTasks([{ x: 1 }]);
        await new Promise(() => {}); // runs forever
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    await waitUntil(async () => (await rush.nRunningTasks()) === 1, { what: 'the running task' });
    expect(await rush.stopWorkers({ type: 'kill' })).toEqual(ids);
    const child = rush.processes.get(ids[0]!)!;
    await waitUntil(() => child.signalCode === 'SIGKILL', { what: 'the process to die' });
    expect(await rush.nRunningTasks()).toBe(0);
    const [failed] = await rush.fetchFailedTasks();
    expect(failed?.condition).toEqual({ message: 'Worker was killed' });
    expect(await rush.terminatedWorkerIds()).toEqual(ids);
    expect(await rush.stopWorkers({ workerIds: ids })).toEqual([]); // not running: skipped
  });

  it('a throwing loop fails its task with the error message, logs it and exits non-zero', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(
      async (rush) => {
        const task = await rush.popTask({ timeout: 30 });
        throw new Error(`cannot evaluate x=${task?.xs.x}`);
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    const [key] = await rush.pushTasks([{ x: 42 }]);
    await rush.waitForTasks([key!], { timeout: 30 });
    const [row] = await rush.fetchFailedTasks();
    expect(row).toMatchObject({ key, condition: { message: 'cannot evaluate x=42' } });
    const child = rush.processes.get(ids[0]!)!;
    await waitUntil(() => child.exitCode !== null, { what: 'the process to exit' });
    expect(child.exitCode).toBe(1);
    expect(await rush.terminatedWorkerIds()).toEqual(ids);
    const log = await rush.readLog();
    const error = log.find((r) => r.level === 'error');
    expect(error?.msg).toBe('worker loop failed: cannot evaluate x=42');
    expect(JSON.stringify(error?.err)).toContain('cannot evaluate x=42');
  });

  it('a worker writing megabytes to stdout and stderr does not block', async () => {
    const rush = await manager();
    const logs = tempDir();
    const loop = async (rush: RushWorker) => {
      const line = `${'x'.repeat(1023)}\n`;
      for (let i = 0; i < 4096; i++) {
        process.stdout.write(line);
        process.stderr.write(line);
      }
      await rush.pushFinishedTasks([{ wrote: 'MiB' }], [{ ok: true }]);
    };
    await rush.startLocalWorkers(loop, { nWorkers: 1 });
    const [withLogs] = await rush.startLocalWorkers(loop, {
      nWorkers: 1,
      messageLog: logs,
      outputLog: logs,
    });
    await waitUntil(async () => (await rush.nFinishedTasks()) === 2, {
      timeoutMs: 30_000,
      what: 'both writers to finish',
    });
    expect(statSync(join(logs, `output_${withLogs}.log`)).size).toBe(4096 * 1024);
    expect(statSync(join(logs, `message_${withLogs}.log`)).size).toBeGreaterThanOrEqual(
      4096 * 1024,
    );
    expect(readFileSync(join(logs, `message_${withLogs}.log`), 'utf8')).not.toContain('Error');
  });

  it('a missing package fails the worker with a clear message', async () => {
    const rush = await manager();
    const logs = tempDir();
    const [id] = await rush.startLocalWorkers(async () => {}, {
      nWorkers: 1,
      packages: ['no-such-package-rushnet'],
      messageLog: logs,
    });
    const error = await rush
      .waitForWorkers({ workerIds: [id!], timeout: 30 })
      .catch((e: unknown) => e);
    expect(String(error)).toMatch(/every worker started by this manager has exited/);
    expect(readFileSync(join(logs, `message_${id}.log`), 'utf8')).toMatch(
      /rushnet: package 'no-such-package-rushnet' could not be imported/,
    );
  });
});

describe('reset with workers', () => {
  it('kills the workers and leaves no key of the network', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(queueLoop, { nWorkers: 2, args: [1] });
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    await rush.pushTasks([{ x: 1 }]);
    await rush.reset();
    for (const id of ids) {
      const child = rush.processes.get(id)!;
      await waitUntil(() => child.signalCode === 'SIGKILL', { what: 'the worker to be killed' });
    }
    expect(await scanNetworkKeys(rawClient(), rush.networkId)).toEqual([]);
  });
});

describe('waitForWorkers', () => {
  it('needs n or workerIds, checks once with timeout 0, and times out', async () => {
    const rush = await manager();
    await expect(rush.waitForWorkers({} as never)).rejects.toBeInstanceOf(RushInputError);
    await expect(rush.waitForWorkers({ n: 1, timeout: 0 })).rejects.toBeInstanceOf(
      RushTimeoutError,
    );
    await expect(rush.waitForWorkers({ workerIds: ['nobody'], timeout: 0.2 })).rejects.toThrow(
      /0 of 1 workers registered/,
    );
  });

  it('rejects bad loops and options before writing anything', async () => {
    const rush = await manager();
    const obj = { method() {} };
    await expect(rush.startLocalWorkers(42 as never)).rejects.toThrow(/`workerLoop`/);
    await expect(rush.startLocalWorkers(obj.method)).rejects.toThrow(/`workerLoop`/);
    await expect(rush.startLocalWorkers(queueLoop, { nWorkers: 0 })).rejects.toThrow(/`nWorkers`/);
    await expect(rush.startLocalWorkers(queueLoop, { args: [(() => 1) as never] })).rejects.toThrow(
      /`args`/,
    );
    await expect(rush.startLocalWorkers(queueLoop, { messageLog: '/no/such/dir' })).rejects.toThrow(
      /`messageLog`/,
    );
    await expect(rush.startLocalWorkers(queueLoop, { heartbeatPeriod: 0 })).rejects.toThrow(
      /`heartbeatPeriod`/,
    );
    await expect(rush.startWorkers(queueLoop, { launcher: {} as never })).rejects.toThrow(
      /`launcher`/,
    );
    await expect(rush.stopWorkers({ type: 'pause' as never })).rejects.toThrow(/`type`/);
    expect(rush.processes.size).toBe(0);
    expect(await rush.connector.exists(new RushKeys(rush.networkId).workerConfig)).toBe(0);
  });
});

describe('starts and stops in quick succession', () => {
  it('workers of two starts in a row each run their own loop', async () => {
    const rush = await manager();
    const first = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushFinishedTasks([{ loop: 'first' }], [{ ok: true }]);
      },
      { nWorkers: 1 },
    );
    const second = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        await rush.pushFinishedTasks([{ loop: 'second' }], [{ ok: true }]);
      },
      { nWorkers: 1 },
    );
    const rows = await waitUntil(
      async () => {
        const all = await rush.fetchFinishedTasks();
        return all.length === 2 ? all : undefined;
      },
      { timeoutMs: 30_000, what: 'both loops to report' },
    );
    const byWorker = Object.fromEntries(rows.map((r) => [r.worker_id, r.loop]));
    expect(byWorker).toEqual({ [first[0]!]: 'first', [second[0]!]: 'second' });
  });

  it('stopWorkers right after a start also stops workers that have not registered yet', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        while (!rush.terminated) await new Promise((r) => setTimeout(r, 20));
      },
      { nWorkers: 2 },
    );
    await rush.stopWorkers({ type: 'terminate' });
    for (const id of ids) {
      const child = rush.processes.get(id)!;
      await waitUntil(() => child.exitCode !== null || child.signalCode !== null, {
        timeoutMs: 20_000,
        what: 'the worker to stop',
      });
    }
    await rush.reset();
    expect(await scanNetworkKeys(rawClient(), rush.networkId)).toEqual([]);
  });
});
