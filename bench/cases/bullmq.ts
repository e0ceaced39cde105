/**
 * The nearest BullMQ equivalents of cases 1, 2, 3, 3c, 4 and 7, on the same Redis in the same
 * run. BullMQ keeps completed jobs (its default), as rushnet keeps finished tasks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue, Worker } from 'bullmq';
import { now, repeat, type Summary, summarize, until } from '../stats.js';
import { connectionOf, inputOf, newNetwork, ready } from './common.js';
import { CpuMeter, type CpuPerTask, medianCpu } from './cpu.js';

const WORKER = fileURLToPath(new URL('../bullmq-worker.mjs', import.meta.url));

/** Case 1 for BullMQ: add one job and wait until an in-process worker completed it. µs per job. */
export async function addAndProcess(
  url: string,
  runs: number,
  iterations: number,
): Promise<Summary> {
  const name = newNetwork();
  const connection = connectionOf(url);
  const queue = new Queue(name, { connection });
  let completed: ((id: string) => void) | undefined;
  const worker = new Worker(name, async (job) => ({ y: job.data.x }), {
    connection,
    concurrency: 1,
  });
  worker.on('completed', (job) => completed?.(job.id!));
  await worker.waitUntilReady();
  try {
    const values = await repeat(runs, async () => {
      const start = now();
      for (let i = 0; i < iterations; i++) {
        const done = new Promise<string>((resolve) => {
          completed = resolve;
        });
        await queue.add('task', { x: i });
        await done;
      }
      return ((now() - start) * 1000) / iterations;
    });
    return summarize(values);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Adds `n` jobs `{ x: i }` (or with `params` parameters) in chunks of 1,000. */
async function addJobs(queue: Queue, n: number, params = 0): Promise<void> {
  for (let from = 0; from < n; from += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({
        name: 'task',
        data: params === 0 ? { x: from + i } : inputOf(from + i, params),
      })),
    );
  }
}

/**
 * Case 2 for BullMQ: an in-process Worker (concurrency 1) on `jobs` waiting jobs; the
 * processor returns at once. µs per job, from `run()` to the last `completed` event.
 */
export async function inProcess(url: string, runs: number, jobs: number): Promise<Summary> {
  const connection = connectionOf(url);
  const values = await repeat(runs, async () => {
    const name = newNetwork();
    const queue = new Queue(name, { connection });
    const worker = new Worker(name, async (job) => ({ y: job.data.x * 2 }), {
      connection,
      concurrency: 1,
      autorun: false,
    });
    try {
      await addJobs(queue, jobs);
      let completed = 0;
      let done: () => void = () => {};
      const all = new Promise<void>((resolve) => {
        done = resolve;
      });
      worker.on('completed', () => {
        if (++completed === jobs) done();
      });
      await worker.waitUntilReady();
      const start = now();
      void worker.run();
      await all;
      return ((now() - start) * 1000) / jobs;
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
  return summarize(values);
}

/** Starts 2 BullMQ worker processes (bullmq-worker.mjs) and resolves once both are ready. */
async function startWorkers(url: string, name: string, concurrency: number) {
  const children: ChildProcess[] = [0, 1].map(() =>
    spawn(process.execPath, [WORKER, url, name, String(concurrency)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await Promise.all(children.map(ready));
  return children;
}

/**
 * Cases 3 and 3c for BullMQ: no-op jobs processed by 2 worker processes at `concurrency` each,
 * from the first add (chunks of 1,000) to the last completion, and the CPU per job. Jobs/s.
 */
export async function throughput(
  url: string,
  runs: number,
  jobs: number,
  concurrency: number,
): Promise<{ rate: Summary; cpu: CpuPerTask }> {
  const cpu: CpuPerTask[] = [];
  const values = await repeat(
    runs,
    async () => {
      const name = newNetwork();
      const queue = new Queue(name, { connection: connectionOf(url) });
      let children: ChildProcess[] = [];
      try {
        children = await startWorkers(url, name, concurrency);
        const meter = new CpuMeter(
          url,
          children.map((child) => child.pid!),
        );
        await meter.start();
        const start = now();
        await addJobs(queue, jobs);
        await until(async () => (await queue.getCompletedCount()) >= jobs, 600_000, 20);
        const rate = jobs / ((now() - start) / 1000);
        cpu.push(await meter.stop(jobs));
        return rate;
      } finally {
        for (const child of children) child.kill('SIGKILL');
        await queue.obliterate({ force: true });
        await queue.close();
      }
    },
    0,
  );
  return { rate: summarize(values), cpu: medianCpu(cpu) };
}

/** Case 7 for BullMQ: 2 worker processes started until both workers are ready. ms. */
export async function workerStart(url: string, runs: number): Promise<Summary> {
  const values = await repeat(runs, async () => {
    const name = newNetwork();
    const start = now();
    const children = await startWorkers(url, name, 1);
    const ms = now() - start;
    for (const child of children) child.kill('SIGKILL');
    return ms;
  });
  return summarize(values);
}

/** Case 4 for BullMQ: getCompleted() of `n` completed jobs on a fresh Queue. ms. */
export async function getCompleted(
  url: string,
  runs: number,
  n: number,
  params: number,
): Promise<Summary> {
  const name = newNetwork();
  const connection = connectionOf(url);
  const owner = new Queue(name, { connection });
  try {
    const worker = new Worker(name, async (job) => ({ y: job.data.x0 }), {
      connection,
      concurrency: 200,
    });
    await addJobs(owner, n, params);
    await until(async () => (await owner.getCompletedCount()) >= n, 600_000, 100);
    await worker.close();
    const values = await repeat(runs, async () => {
      const queue = new Queue(name, { connection });
      const start = now();
      const completed = await queue.getCompleted(0, -1);
      const ms = now() - start;
      if (completed.length < n) throw new Error(`expected ${n} jobs, got ${completed.length}`);
      await queue.close();
      return ms;
    });
    return summarize(values);
  } finally {
    await owner.obliterate({ force: true });
    await owner.close();
  }
}
