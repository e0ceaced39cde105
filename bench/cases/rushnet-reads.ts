/**
 * The rushnet cases of reading: cold and cached fetchFinishedTasks (cases 4, 5), the wake
 * latency of a waiting fetchNewTasks (case 6), and a manager's heap with 100,000 cached tasks
 * (case 8).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rush, RushWorker } from '../../dist/index.js';
import { now, repeat, type Summary, summarize } from '../stats.js';
import { inputOf, newNetwork, populateFinished } from './common.js';

/**
 * Cases 4 and 5: cold fetch on a fresh manager, then the cached fetch after one more finish;
 * rows and columns (`columns: true`, cases 4c and 5c) measured in turn, in the same minutes. ms.
 */
export async function fetchFinished(
  url: string,
  runs: number,
  n: number,
  params: number,
): Promise<{ cold: Summary; cached: Summary; coldColumns: Summary; cachedColumns: Summary }> {
  const networkId = newNetwork();
  const owner = await new Rush({ networkId, config: url }).connect();
  try {
    await populateFinished(owner, n, params);
    const coldOnce = async (columns: boolean) => {
      const rush = await new Rush({ networkId, config: url }).connect();
      const start = now();
      const got = columns
        ? (await rush.fetchFinishedTasks({ columns: true })).key
        : await rush.fetchFinishedTasks();
      const ms = now() - start;
      if (got.length < n) throw new Error(`expected ${n} tasks, got ${got.length}`);
      await rush.close();
      return ms;
    };
    const coldColumns: number[] = [];
    const cold = await repeat(runs, async () => {
      coldColumns.push(await coldOnce(true));
      return coldOnce(false);
    });
    const rows = await new Rush({ networkId, config: url }).connect();
    const columns = await new Rush({ networkId, config: url }).connect();
    await rows.fetchFinishedTasks();
    await columns.fetchFinishedTasks({ columns: true });
    let extra = n;
    const cachedColumns: number[] = [];
    const cached = await repeat(runs * 4, async () => {
      await owner.pushFinishedTasks([inputOf(extra, params)], [{ y: extra++ }]);
      let start = now();
      await columns.fetchFinishedTasks({ columns: true });
      cachedColumns.push(now() - start);
      start = now();
      await rows.fetchFinishedTasks();
      return now() - start;
    });
    await rows.close();
    await columns.close();
    return {
      cold: summarize(cold),
      cached: summarize(cached),
      coldColumns: summarize(coldColumns.slice(1)), // the first ran in the warm-up
      cachedColumns: summarize(cachedColumns.slice(1)),
    };
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
      { stdio: ['ignore', 'pipe', 'inherit'] },
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
