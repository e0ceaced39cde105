/**
 * One cell of the scale table: a pool of workers takes sleeping tasks of one duration from the
 * queue while a feeder keeps the queue full; in a fixed wall window after a warm-up it measures
 * worker utilization (time inside tasks ÷ workers × window: the rush paper's metric),
 * coordination overhead per task, Redis CPU and commands/s, and memory per worker.
 */
import type { Rush } from '../../dist/index.js';
import type { Pool } from './pool.js';
import { cpuSeconds, load1, redisRates, sampleRedis } from './probes.js';

export interface CellResult {
  workers: number;
  durationMs: number;
  mode: string;
  perProcess?: number;
  windowS: number;
  /** Tasks that finished inside the window. */
  tasks: number;
  tasksPerSec: number;
  /** Time inside tasks ÷ (workers × window). */
  utilization: number;
  /** Worker time outside tasks per finished task, ms. */
  overheadMs: number;
  /** Mean time inside one task, ms (the sleep and its timer's lateness). */
  taskMs: number;
  redisCpuPercent: number;
  /** CPU of all worker processes together, % of one core. */
  workerCpuPercent: number;
  /** CPU of the manager (this process: the feeder, the measuring), % of one core. */
  managerCpuPercent: number;
  opsPerSec: number;
  rssMBPerWorker: number;
  pssMBPerWorker: number;
  processes: number;
  startS: number;
  /** Worker processes that died before registering and were replaced. */
  startFailures: number;
  load1: [number, number];
  /** Tasks the feeder pushed in all. */
  pushed: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const epochNow = () => performance.timeOrigin + performance.now();

/** Most tasks one cell may push, and the most a queue refill may hold. */
const MAX_PUSHED = 1_000_000;
const MAX_LEVEL = 20_000;

/**
 * Keeps at least `level` tasks queued, checking every 100 ms, until stopped or `MAX_PUSHED`
 * were pushed. Each task carries the cell's tag and its duration.
 */
export function startFeeder(rush: Rush, cell: string, ms: number, level: number) {
  let stopped = false;
  let pushed = 0;
  let failure: unknown;
  const done = (async () => {
    while (!stopped && pushed < MAX_PUSHED) {
      const missing = level - (await rush.nQueuedTasks());
      for (let left = Math.min(missing, MAX_PUSHED - pushed); left > 0; ) {
        const size = Math.min(left, 5000);
        await rush.pushTasks(Array.from({ length: size }, () => ({ cell, ms })));
        pushed += size;
        left -= size;
      }
      await sleep(100);
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    async stop(): Promise<number> {
      stopped = true;
      await done;
      if (failure) throw failure;
      return pushed;
    },
  };
}

export async function runCell(
  rush: Rush,
  pool: Pool,
  durationMs: number,
  windowS: number,
  log: (text: string) => void,
): Promise<CellResult> {
  const workers = pool.options.n;
  const cell = `${workers}x${durationMs}-${Date.now()}`;
  // Enough for half a second of ideal throughput, at least two tasks per worker.
  const level = Math.min(MAX_LEVEL, Math.max(2 * workers, Math.ceil((workers * 500) / durationMs)));
  const loadStart = load1();
  const feeder = startFeeder(rush, cell, durationMs, level);
  let pushed = 0;
  let window: [number, number];
  let samples: [Awaited<ReturnType<typeof sampleRedis>>, Awaited<ReturnType<typeof sampleRedis>>];
  let memory: ReturnType<Pool['memoryPerWorker']>;
  let cpu: { workers: number; manager: number };
  try {
    // Warm-up: every worker has taken a few tasks before the window opens.
    await sleep(Math.max(2000, 3 * durationMs));
    const pids = pool.pids();
    const before = await sampleRedis(rush.connector);
    const workersBefore = cpuSeconds(pids);
    const managerBefore = process.cpuUsage();
    const from = epochNow();
    await sleep(windowS * 1000);
    const to = epochNow();
    const manager = process.cpuUsage(managerBefore);
    const workersCpu = cpuSeconds(pids) - workersBefore;
    const after = await sampleRedis(rush.connector);
    cpu = {
      workers: (100 * workersCpu) / ((to - from) / 1000),
      manager: (100 * (manager.user + manager.system)) / 1000 / (to - from),
    };
    memory = pool.memoryPerWorker();
    window = [from, to];
    samples = [before, after];
  } finally {
    pushed = await feeder.stop();
  }
  // The queue is emptied; tasks in hand finish (their time in the window counts).
  await rush.emptyQueue();
  const deadline = Date.now() + durationMs + 60_000;
  while ((await rush.nRunningTasks()) > 0) {
    if (Date.now() > deadline) throw new Error(`cell ${cell}: tasks still running after 60 s`);
    await sleep(50);
  }
  const running = await rush.nRunningWorkers();
  if (running < workers) log(`  warning: only ${running} of ${workers} workers still running`);

  const rows = (await rush.fetchNewTasks({ fields: ['xs', 'ys'] })) as unknown as {
    cell?: string;
    t0?: number;
    t1?: number;
  }[];
  const [from, to] = window;
  let busy = 0;
  let inside = 0;
  let finished = 0;
  for (const row of rows) {
    if (row.cell !== cell || row.t0 === undefined || row.t1 === undefined) continue;
    busy += Math.max(0, Math.min(row.t1, to) - Math.max(row.t0, from));
    if (row.t1 >= from && row.t1 < to) {
      finished++;
      inside += row.t1 - row.t0;
    }
  }
  const taskTime = finished > 0 ? inside / finished : Number.NaN;
  const windowMs = to - from;
  const rates = redisRates(samples[0], samples[1]);
  return {
    workers,
    durationMs,
    mode: pool.options.mode,
    perProcess: pool.options.mode === 'grouped' ? pool.options.perProcess : undefined,
    windowS: windowMs / 1000,
    tasks: finished,
    tasksPerSec: finished / (windowMs / 1000),
    utilization: busy / (workers * windowMs),
    overheadMs: finished > 0 ? (workers * windowMs - busy) / finished : Number.NaN,
    taskMs: taskTime,
    redisCpuPercent: rates.cpuPercent,
    workerCpuPercent: cpu.workers,
    managerCpuPercent: cpu.manager,
    opsPerSec: rates.opsPerSec,
    rssMBPerWorker: memory.rssMB,
    pssMBPerWorker: memory.pssMB,
    processes: memory.processes,
    startS: pool.startMs / 1000,
    startFailures: pool.startFailures,
    load1: [loadStart, load1()],
    pushed,
  };
}
