/**
 * processTasks handlers: `taskTimeout` aborts the handler's signal and fails the task with a
 * RushTimeoutError condition; `cancelTasks` fails queued and running tasks and aborts the
 * running handler's signal; `isCancelled` serves popTask loops; a handler's error becomes
 * `{ message, name, stack }` with a warn-level log record naming the task.
 */
import { describe, expect, it, vi } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { manager, newNetworkId, waitUntil, worker } from '../helpers/network.js';

describe('processTasks handlers', () => {
  it('taskTimeout aborts the signal, fails the task, frees the slot and discards the late result', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [slow, quick] = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const events: string[] = [];
    let reason: unknown;
    let lateDone!: () => void;
    const late = new Promise<void>((resolve) => {
      lateDone = resolve;
    });
    const n = await w.processTasks(
      async (task, { signal }) => {
        events.push(`start ${task.xs.x}`);
        if (task.xs.x === 2) return { y: 2 };
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        reason = signal.reason;
        events.push('aborted 1');
        // Returns later: by then the slot ran the next task, and this result is discarded.
        void late.then(() => events.push('late 1'));
        await late;
        return { y: 1 };
      },
      { concurrency: 1, taskTimeout: 0.3, maxTasks: 2 },
    );
    lateDone();
    expect(n).toBe(2);
    expect(events.slice(0, 3)).toEqual(['start 1', 'aborted 1', 'start 2']);
    expect(reason).toMatchObject({ name: 'RushTimeoutError' });
    const [failed] = await rush.fetchFailedTasks();
    expect(failed).toMatchObject({
      key: slow,
      condition: { name: 'RushTimeoutError', message: expect.stringMatching(/timed out/) },
    });
    expect((await rush.fetchFinishedTasks()).map((r) => r.key)).toEqual([quick]);
    await waitUntil(() => events.includes('late 1'), { what: 'the late result' });
    expect(await rush.isFailedTask([slow!])).toEqual([true]);
  });

  it('a timed-out task with retries left runs again', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 1 });
    let tries = 0;
    await w.processTasks(
      async (_task, { signal }) => {
        tries++;
        if (tries === 1) await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return { y: tries };
      },
      { taskTimeout: 0.2, maxTasks: 2 },
    );
    const [row] = await rush.fetchFinishedTasks();
    expect(row).toMatchObject({ key, y: 2, tries: 2, condition: { name: 'RushTimeoutError' } });
  });

  it("a handler's error is { message, name, stack } and a warning naming the task", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [typed, long] = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const warn = vi.spyOn(w.logger, 'warn');
    await w.processTasks(
      async (task) => {
        if (task.xs.x === 1) throw new TypeError('factor is not a number');
        const error = new RangeError('deep');
        error.stack = `RangeError: deep\n${'    at frame\n'.repeat(1000)}`;
        throw error;
      },
      { maxTasks: 2 },
    );
    const rows = new Map((await rush.fetchFailedTasks()).map((r) => [r.key, r.condition!]));
    expect(rows.get(typed!)).toEqual({
      message: 'factor is not a number',
      name: 'TypeError',
      stack: expect.stringContaining('TypeError: factor is not a number'),
    });
    expect(rows.get(typed!)!.stack).toContain('lifecycle-handlers.test.ts');
    expect(rows.get(long!)).toMatchObject({ name: 'RangeError', message: 'deep' });
    expect(rows.get(long!)!.stack).toHaveLength(4096);
    const named = warn.mock.calls.filter(([fields]) => {
      const key = (fields as { key?: string }).key;
      return key === typed || key === long;
    });
    expect(named).toHaveLength(2);
    warn.mockRestore();
  });

  it("cancelTasks: queued tasks leave the queue, a running one fails at once and its handler's signal aborts", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [done] = await rush.pushFinishedTasks([{ x: 0 }], [{ y: 0 }]);
    const [running, queued] = await rush.pushTasks([{ x: 1 }, { x: 2 }], { maxRetries: 3 });
    let aborted: unknown;
    const stop = new AbortController();
    const processing = w.processTasks(
      async (_task, { signal }) => {
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        aborted = signal.reason;
        stop.abort();
        return { y: 1 };
      },
      { concurrency: 1, signal: stop.signal },
    );
    await waitUntil(async () => (await rush.runningTasks()).includes(running!), {
      what: 'the task to run',
    });
    expect(await rush.cancelTasks([running!, queued!, done!, 'no-such-task'])).toEqual([
      running,
      queued,
    ]);
    expect(await processing).toBe(1);
    expect(aborted).toBeDefined();
    const failed = await rush.fetchFailedTasks();
    expect(failed.map((r) => r.key).sort()).toEqual([running!, queued!].sort());
    for (const row of failed)
      expect(row.condition).toMatchObject({ message: 'Cancelled', cancelled: true });
    expect(await rush.nQueuedTasks()).toBe(0); // never retried
    expect(await rush.isCancelled(running!)).toBe(true);
    expect(await rush.isCancelled(done!)).toBe(false);
    expect(await rush.fetchFinishedTasks()).toHaveLength(1);
    expect(await rush.cancelTasks([running!])).toEqual([]);
  });

  it('a handler that reads its signal only after its task was cancelled gets it aborted', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [first] = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    let read: { aborted: boolean; reason: unknown } | undefined;
    const stop = new AbortController();
    const processing = w.processTasks(
      async (task, context) => {
        if (task.xs.x === 2) {
          // Taken only once the cancelled task's slot was freed.
          open();
          stop.abort();
          return { y: 2 };
        }
        await gate;
        read = { aborted: context.signal.aborted, reason: context.signal.reason };
        return { y: 1 };
      },
      { concurrency: 1, signal: stop.signal },
    );
    await waitUntil(async () => (await rush.runningTasks()).includes(first!), {
      what: 'the task to run',
    });
    expect(await rush.cancelTasks([first!])).toEqual([first]);
    expect(await processing).toBe(2);
    await waitUntil(() => read !== undefined, { what: 'the cancelled handler to read its signal' });
    expect(read!.aborted).toBe(true);
    expect((read!.reason as Error).name).toBe('AbortError');
    expect((await rush.fetchFinishedTasks()).map((r) => r.y)).toEqual([2]);
  });

  it("a worker loop that throws fails its task with the error's name and stack, or re-queues it", async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const loop = async (rush: RushWorker) => {
      const task = await rush.popTask({ timeout: 30 });
      if (task) throw new RangeError(`loop broke on ${task.key}`);
    };
    const [plain] = await rush.pushTasks([{ x: 1 }]);
    await rush.startLocalWorkers(loop, { nWorkers: 1 });
    await waitUntil(async () => (await rush.isFailedTask([plain!]))[0], { timeoutMs: 30_000 });
    const [failed] = await rush.fetchFailedTasks();
    expect(failed!.condition).toEqual({
      message: `loop broke on ${plain}`,
      name: 'RangeError',
      stack: expect.stringContaining(`RangeError: loop broke on ${plain}`),
    });
    const [retried] = await rush.pushTasks([{ x: 2 }], { maxRetries: 1 });
    await rush.startLocalWorkers(loop, { nWorkers: 1 });
    await waitUntil(
      async () => (await rush.fetchQueuedTasks({ fields: ['tries'] }))[0]?.tries === 1,
      { timeoutMs: 30_000, what: 'the task to be re-queued' },
    );
    const row = await rush.readHash(retried!, ['condition']);
    expect(row!.condition).toMatchObject({ name: 'RangeError', history: [{ name: 'RangeError' }] });
    expect(await rush.queuedTasks()).toEqual([retried]);
  });

  it('a popTask loop asks isCancelled, and its late finish is discarded', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    const task = await w.popTask();
    expect(await w.isCancelled(task!.key)).toBe(false);
    expect(await w.cancelTasks([key!])).toEqual([key]);
    expect(await w.isCancelled(task!.key)).toBe(true);
    expect(await w.finishTasks([key!], [{ y: 1 }])).toEqual([]);
    expect(await rush.isFailedTask([key!])).toEqual([true]);
  });
});
