/** The nearest BullMQ equivalents of cases 1, 3 and 4, on the same Redis in the same run. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type ConnectionOptions, Queue, Worker } from 'bullmq';
import { now, repeat, type Summary, summarize, until } from '../stats.js';
import { inputOf } from './rushnet.js';

function connectionOf(url: string): ConnectionOptions {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port), maxRetriesPerRequest: null };
}

/** Case 1 for BullMQ: add one job and wait until an in-process worker completed it. µs per job. */
export async function addAndProcess(
  url: string,
  runs: number,
  iterations: number,
): Promise<Summary> {
  const name = `bench-${randomUUID()}`;
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

/** Case 3 for BullMQ: no-op jobs processed by 2 worker processes (concurrency 1 each). Jobs/s. */
export async function throughput(url: string, runs: number, jobs: number): Promise<Summary> {
  const script = fileURLToPath(new URL('../bullmq-worker.ts', import.meta.url));
  const values = await repeat(
    runs,
    async () => {
      const name = `bench-${randomUUID()}`;
      const queue = new Queue(name, { connection: connectionOf(url) });
      const children = [0, 1].map(() =>
        spawn(process.execPath, ['--import', 'tsx', script, url, name], {
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      );
      try {
        // Each child prints "ready" once its worker is connected.
        await Promise.all(
          children.map((child) => new Promise((resolve) => child.stdout!.once('data', resolve))),
        );
        const start = now();
        for (let from = 0; from < jobs; from += 1000) {
          await queue.addBulk(
            Array.from({ length: Math.min(1000, jobs - from) }, (_, i) => ({
              name: 'task',
              data: { x: from + i },
            })),
          );
        }
        await until(async () => (await queue.getCompletedCount()) >= jobs, 600_000, 20);
        return jobs / ((now() - start) / 1000);
      } finally {
        for (const child of children) child.kill('SIGKILL');
        await queue.obliterate({ force: true });
        await queue.close();
      }
    },
    0,
  );
  return summarize(values);
}

/** Case 4 for BullMQ: getCompleted() of `n` completed jobs on a fresh Queue. ms. */
export async function getCompleted(
  url: string,
  runs: number,
  n: number,
  params: number,
): Promise<Summary> {
  const name = `bench-${randomUUID()}`;
  const connection = connectionOf(url);
  const owner = new Queue(name, { connection });
  try {
    const worker = new Worker(name, async (job) => ({ y: job.data.x0 }), {
      connection,
      concurrency: 200,
    });
    for (let from = 0; from < n; from += 1000) {
      await owner.addBulk(
        Array.from({ length: Math.min(1000, n - from) }, (_, i) => ({
          name: 'task',
          data: inputOf(from + i, params),
        })),
      );
    }
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
