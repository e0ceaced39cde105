/**
 * The rushnet cases of the task path: the decentralized loop (case 1), the queue in process
 * (cases 2, 2a) and its throughput with 2 worker processes (cases 3, 3a, 3b, 3c).
 */
import { Rush, RushWorker } from '../../dist/index.js';
import { now, repeat, type Summary, summarize, until } from '../stats.js';
import { newNetwork, pushChunks } from './common.js';
import { CpuMeter, type CpuPerTask, medianCpu } from './cpu.js';

/** Case 1: pushRunningTasks + finishTasks per iteration, one in-process worker. µs per iteration. */
export async function decentralizedLoop(
  url: string,
  runs: number,
  iterations: number,
): Promise<Summary> {
  const worker = await RushWorker.create({ networkId: newNetwork(), config: url });
  try {
    const values = await repeat(runs, async () => {
      const start = now();
      for (let i = 0; i < iterations; i++) {
        const [key] = await worker.pushRunningTasks([{ x: i }]);
        await worker.finishTasks([key!], [{ y: i }]);
      }
      return ((now() - start) * 1000) / iterations;
    });
    return summarize(values);
  } finally {
    await worker.reset();
    await worker.close();
  }
}

/**
 * Case 2: processTasks (concurrency 1) on `tasks` queued tasks, one in-process worker; the
 * handler returns at once. µs per task, from the call to its return.
 */
export async function processInProcess(url: string, runs: number, tasks: number): Promise<Summary> {
  const worker = await RushWorker.create({ networkId: newNetwork(), config: url });
  try {
    const values = await repeat(runs, async () => {
      await pushChunks(worker, tasks);
      const start = now();
      const n = await worker.processTasks(async (task) => ({ y: (task.xs.x as number) * 2 }), {
        maxTasks: tasks,
      });
      const us = ((now() - start) * 1000) / tasks;
      if (n !== tasks) throw new Error(`processTasks: ${n} of ${tasks} tasks`);
      return us;
    });
    return summarize(values);
  } finally {
    await worker.reset();
    await worker.close();
  }
}

/** Case 2a: popTask + finishTasks per task, one in-process worker. µs per task. */
export async function popAndFinish(url: string, runs: number, tasks: number): Promise<Summary> {
  const worker = await RushWorker.create({ networkId: newNetwork(), config: url });
  try {
    const values = await repeat(runs, async () => {
      await pushChunks(worker, tasks);
      const start = now();
      for (let i = 0; i < tasks; i++) {
        const task = await worker.popTask({ timeout: 0 });
        await worker.finishTasks([task!.key], [{ y: (task!.xs.x as number) * 2 }]);
      }
      return ((now() - start) * 1000) / tasks;
    });
    return summarize(values);
  } finally {
    await worker.reset();
    await worker.close();
  }
}

/** How the worker processes of a throughput case take and finish tasks. */
export type QueueMode =
  | { kind: 'processTasks'; concurrency: number }
  | { kind: 'popTask' }
  | { kind: 'popTasks'; batch: number };

/**
 * The worker loop of each mode. It is sent to the workers as source, so it is self-contained
 * and names no inner function (tsx would wrap one in a helper the worker does not have).
 */
async function throughputLoop(rush: RushWorker, kind: string, n: number): Promise<void> {
  if (kind === 'processTasks') {
    await rush.processTasks(async (task) => ({ y: (task.xs.x as number) * 2 }), {
      concurrency: n,
      timeout: 0.5,
    });
    return;
  }
  while (!rush.terminated) {
    const one = kind === 'popTask' ? await rush.popTask({ timeout: 0.5 }) : null;
    const popped =
      kind === 'popTask' ? (one ? [one] : []) : await rush.popTasks(n, { timeout: 0.5 });
    if (popped.length === 0) continue;
    await rush.finishTasks(
      popped.map((task) => task.key),
      await Promise.all(popped.map(async (task) => ({ y: (task.xs.x as number) * 2 }))),
    );
  }
}

/**
 * Cases 3, 3a, 3b, 3c: tasks/s of 2 local worker processes, from the first push (in chunks of
 * 1,000, as BullMQ's adds) to the last finish, and the CPU per task. The workers are
 * registered and waiting first.
 */
export async function queueThroughput(
  url: string,
  runs: number,
  tasks: number,
  mode: QueueMode,
): Promise<{ rate: Summary; cpu: CpuPerTask }> {
  const n =
    mode.kind === 'processTasks' ? mode.concurrency : mode.kind === 'popTasks' ? mode.batch : 1;
  const cpu: CpuPerTask[] = [];
  const values = await repeat(
    runs,
    async () => {
      const rush = await new Rush({ networkId: newNetwork(), config: url }).connect();
      try {
        const ids = await rush.startLocalWorkers(throughputLoop, {
          nWorkers: 2,
          args: [mode.kind, n],
        });
        await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
        const meter = new CpuMeter(
          url,
          (await rush.workerInfo()).map((w) => w.pid),
        );
        await meter.start();
        const start = now();
        await pushChunks(rush, tasks);
        await until(async () => (await rush.nFinishedTasks()) >= tasks, 300_000, 20);
        const rate = tasks / ((now() - start) / 1000);
        cpu.push(await meter.stop(tasks));
        return rate;
      } finally {
        await rush.reset();
        await rush.close();
      }
    },
    0,
  );
  return { rate: summarize(values), cpu: medianCpu(cpu) };
}

/** Case 7: startLocalWorkers of 2 workers until waitForWorkers resolves. ms. */
export async function workerStart(url: string, runs: number): Promise<Summary> {
  const values = await repeat(runs, async () => {
    const rush = await new Rush({ networkId: newNetwork(), config: url }).connect();
    try {
      const start = now();
      const ids = await rush.startLocalWorkers(
        async (rush: RushWorker) => {
          while (!rush.terminated) await new Promise((r) => setTimeout(r, 50));
        },
        { nWorkers: 2 },
      );
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      return now() - start;
    } finally {
      await rush.reset();
      await rush.close();
    }
  });
  return summarize(values);
}
