/** The rushnet cases of the benchmark (see BENCHMARKS.md for what each measures). */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Rush, RushWorker } from '../../dist/index.js';
import { now, repeat, type Summary, summarize, until } from '../stats.js';

const newNetwork = () => `bench-${randomUUID()}`;

/** An input with `params` numeric parameters. */
export function inputOf(i: number, params: number): Record<string, number> {
  const xs: Record<string, number> = {};
  for (let p = 0; p < params; p++) xs[`x${p}`] = i + p / 10;
  return xs;
}

/** Creates `n` finished tasks with `params` inputs each, in bulk. */
export async function populateFinished(rush: Rush, n: number, params: number): Promise<void> {
  const chunk = 10_000;
  for (let from = 0; from < n; from += chunk) {
    const size = Math.min(chunk, n - from);
    const xss = Array.from({ length: size }, (_, i) => inputOf(from + i, params));
    const yss = Array.from({ length: size }, (_, i) => ({ y: from + i }));
    await rush.pushFinishedTasks(xss, yss);
  }
}

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

/** Case 2: popTask + finishTasks per task, one in-process worker. µs per task. */
export async function queueOverhead(url: string, runs: number, tasks: number): Promise<Summary> {
  const worker = await RushWorker.create({ networkId: newNetwork(), config: url });
  try {
    const values = await repeat(runs, async () => {
      await worker.pushTasks(Array.from({ length: tasks }, (_, x) => ({ x })));
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

/**
 * Case 3: tasks/s of 2 local worker processes popping pushed tasks, from the push to the last
 * finish. With `batch` > 1 the workers take `batch` tasks per popTasks call and finish them
 * with one finishTasks call.
 */
export async function queueThroughput(
  url: string,
  runs: number,
  tasks: number,
  batch = 1,
): Promise<Summary> {
  const values = await repeat(
    runs,
    async () => {
      const rush = await new Rush({ networkId: newNetwork(), config: url }).connect();
      try {
        const ids = await rush.startLocalWorkers(
          async (rush: RushWorker, batch: number) => {
            while (!rush.terminated) {
              const popped = await rush.popTasks(batch, { timeout: 0.5 });
              if (popped.length === 0) continue;
              const keys = popped.map((task) => task.key);
              await rush.finishTasks(
                keys,
                popped.map((task) => ({ y: (task.xs.x as number) * 2 })),
              );
            }
          },
          { nWorkers: 2, args: [batch] },
        );
        await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
        const start = now();
        await rush.pushTasks(Array.from({ length: tasks }, (_, x) => ({ x })));
        await until(async () => (await rush.nFinishedTasks()) >= tasks, 300_000, 20);
        return tasks / ((now() - start) / 1000);
      } finally {
        await rush.reset();
        await rush.close();
      }
    },
    0,
  );
  return summarize(values);
}

/** Cases 4 and 5: cold fetch on a fresh manager, then the cached fetch after one more finish. ms. */
export async function fetchFinished(
  url: string,
  runs: number,
  n: number,
  params: number,
): Promise<{ cold: Summary; cached: Summary }> {
  const networkId = newNetwork();
  const owner = await new Rush({ networkId, config: url }).connect();
  try {
    await populateFinished(owner, n, params);
    const cold = await repeat(runs, async () => {
      const rush = await new Rush({ networkId, config: url }).connect();
      const start = now();
      const rows = await rush.fetchFinishedTasks();
      const ms = now() - start;
      if (rows.length < n) throw new Error(`expected ${n} rows, got ${rows.length}`);
      await rush.close();
      return ms;
    });
    const rush = await new Rush({ networkId, config: url }).connect();
    await rush.fetchFinishedTasks();
    let extra = n;
    const cached = await repeat(runs * 4, async () => {
      await owner.pushFinishedTasks([inputOf(extra, params)], [{ y: extra++ }]);
      const start = now();
      await rush.fetchFinishedTasks();
      return now() - start;
    });
    await rush.close();
    return { cold: summarize(cold), cached: summarize(cached) };
  } finally {
    await owner.reset();
    await owner.close();
  }
}

/** Case 6: from a worker's finishTasks to the manager's waiting fetchNewTasks returning it. ms. */
export async function wakeLatency(url: string, events: number): Promise<Summary> {
  const networkId = newNetwork();
  const rush = await new Rush({ networkId, config: url }).connect();
  const worker = await RushWorker.create({ networkId, config: url });
  try {
    await rush.fetchNewTasks({ timeout: 0.01 }); // subscribe once
    const values: number[] = [];
    for (let i = 0; i < events + 10; i++) {
      const [key] = await worker.pushRunningTasks([{ x: i }]);
      let returned = 0;
      const waiting = rush.fetchNewTasks({ timeout: 5 }).then((rows) => {
        returned = now();
        return rows;
      });
      await new Promise((r) => setTimeout(r, 2)); // let the manager block
      const start = now();
      await worker.finishTasks([key!], [{ y: i }]);
      const rows = await waiting;
      if (rows.length !== 1) throw new Error('wake latency: expected one new task');
      if (i >= 10) values.push(returned - start); // the first 10 warm up
    }
    return summarize(values, { p99: true });
  } finally {
    await worker.close();
    await rush.reset();
    await rush.close();
  }
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

/** Case 8: heap and RSS of a fresh manager process after caching `n` finished tasks. MB. */
export async function memory(
  url: string,
  n: number,
  params: number,
): Promise<{ heapMB: number; rssMB: number }> {
  const networkId = newNetwork();
  const owner = await new Rush({ networkId, config: url }).connect();
  try {
    await populateFinished(owner, n, params);
    const script = fileURLToPath(new URL('../memory-probe.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', script, url, networkId, String(n)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((resolve) => child.on('exit', resolve));
    return JSON.parse(out) as { heapMB: number; rssMB: number };
  } finally {
    await owner.reset();
    await owner.close();
  }
}
