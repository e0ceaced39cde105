/**
 * The registry at scale: with many registered workers, how long `workerInfo()`,
 * `detectLostWorkers()` and the built CLI's `rushnet status --network` take; and the soak:
 * heartbeat workers taking 1 s tasks for minutes while the manager runs `detectLostWorkers()`
 * every few seconds, counting workers falsely declared lost.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { table } from '../../dist/cli/common.js';
import type { Rush } from '../../dist/index.js';
import { type Summary, summarize } from '../stats.js';
import type { Pool } from './pool.js';
import { cpuSeconds, load1, redisRates, sampleRedis, signalOwnChildren } from './probes.js';
import { startFeeder } from './utilization.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(times: number, once: () => Promise<unknown>, warmup = 1): Promise<Summary> {
  for (let i = 0; i < warmup; i++) await once();
  const values: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await once();
    values.push(performance.now() - start);
  }
  return summarize(values, { p99: true });
}

/** The registry calls' times under one condition. */
export interface RegistryTimes {
  workerInfoMs: Summary;
  detectLostWorkersMs: Summary;
  /** What `rushnet status --network` does once connected (status.ts), in this process. */
  statusWorkMs: Summary;
  /** The whole `rushnet status --network` process, and the same for an empty network. */
  statusCliMs: Summary;
  statusCliEmptyMs: Summary;
  load1: number;
}

export interface RegistryResult {
  registered: number;
  /** Lines `rushnet status` printed (one per worker, plus the header lines). */
  statusLines: number;
  /**
   * What the idle registered workers cost over 5 s: the CPU of the processes of the heartbeat
   * workers and of the others (% of one core), Redis's, and commands/s.
   */
  idle: {
    heartbeatWorkers: number;
    heartbeatCpuPercent: number;
    plainWorkers: number;
    plainCpuPercent: number;
    redisCpuPercent: number;
    opsPerSec: number;
  };
  /** With the workers running on the same 2 cores. */
  running: RegistryTimes;
  /** With the workers' processes stopped (SIGSTOP) for a few seconds: the calls' own cost. */
  paused: RegistryTimes;
  /** How long the workers were stopped. */
  pausedMs: number;
}

/** Runs `rushnet status --network` of the built CLI. */
function statusCli(url: string, network: string) {
  const cli = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const env = { ...process.env, REDIS_URL: url };
  return run(process.execPath, [cli, 'status', '--network', network], { env, maxBuffer: 2 ** 26 });
}

async function registryTimes(
  rush: Rush,
  url: string,
  { times, cliTimes }: { times: number; cliTimes: number },
): Promise<RegistryTimes> {
  const workerInfoMs = await timed(times, () => rush.workerInfo());
  const detectLostWorkersMs = await timed(times, async () => {
    const lost = await rush.detectLostWorkers();
    if (lost.length > 0) throw new Error(`registry: ${lost.length} workers were declared lost`);
  });
  // The work of `rushnet status --network` once connected, as in src/cli/status.ts.
  const statusWorkMs = await timed(times, async () => {
    const [workers, counts] = await Promise.all([rush.workerInfo(), rush.counts()]);
    const rows = workers.map((w) => [
      w.worker_id,
      w.hostname,
      w.pid,
      w.state,
      w.heartbeat ? 'yes' : 'no',
    ]);
    return [JSON.stringify(counts), table(['WORKER', 'HOST', 'PID', 'STATE', 'HEARTBEAT'], rows)];
  });
  const statusCliMs = await timed(cliTimes, () => statusCli(url, rush.networkId), 0);
  const empty = `bench-empty-${randomUUID()}`;
  const statusCliEmptyMs = await timed(cliTimes, () => statusCli(url, empty), 0);
  return {
    workerInfoMs,
    detectLostWorkersMs,
    statusWorkMs,
    statusCliMs,
    statusCliEmptyMs,
    load1: load1(),
  };
}

/**
 * Times the registry calls on a network whose workers are `beating` and `plain`: first what
 * the idle workers cost (5 s), then the calls with the workers running, then with them stopped.
 */
export async function measureRegistry(
  rush: Rush,
  url: string,
  beating: Pool,
  plain: Pool | undefined,
): Promise<RegistryResult> {
  const registered = (await rush.workerInfo()).length;
  const [beatingPids, plainPids] = [beating.pids(), plain?.pids() ?? []];
  const pids = [...beatingPids, ...plainPids];
  const before = await sampleRedis(rush.connector);
  const cpuBefore = [cpuSeconds(beatingPids), cpuSeconds(plainPids)];
  await sleep(5000);
  const cpu = [cpuSeconds(beatingPids) - cpuBefore[0]!, cpuSeconds(plainPids) - cpuBefore[1]!];
  const after = await sampleRedis(rush.connector);
  const rates = redisRates(before, after);
  const seconds = (after.at - before.at) / 1000;
  const idle = {
    heartbeatWorkers: beating.options.n,
    heartbeatCpuPercent: (100 * cpu[0]!) / seconds,
    plainWorkers: plain?.options.n ?? 0,
    plainCpuPercent: (100 * cpu[1]!) / seconds,
    redisCpuPercent: rates.cpuPercent,
    opsPerSec: rates.opsPerSec,
  };
  const output = (await statusCli(url, rush.networkId)).stdout;
  const running = await registryTimes(rush, url, { times: 20, cliTimes: 5 });
  // Stopped for a few seconds: no heartbeat expires (the soak would see it).
  const stopped = Date.now();
  signalOwnChildren(pids, 'SIGSTOP');
  let paused: RegistryTimes;
  try {
    paused = await registryTimes(rush, url, { times: 10, cliTimes: 2 });
  } finally {
    signalOwnChildren(pids, 'SIGCONT');
  }
  const pausedMs = Date.now() - stopped;
  const statusLines = output.trimEnd().split('\n').length;
  return { registered, statusLines, idle, running, paused, pausedMs };
}

export interface SoakResult {
  minutes: number;
  heartbeatWorkers: number;
  heartbeatPeriod: number;
  detectCalls: number;
  /** Workers declared lost by any detectLostWorkers() call of the soak. */
  falselyLost: number;
  detectMs: Summary;
  runningAtEnd: number;
  tasksFinished: number;
  /** Soak tasks failed for another reason than the final emptyQueue. */
  tasksFailed: number;
  tasksPushed: number;
  /** Time inside tasks ÷ (heartbeat workers × soak time). */
  utilization: number;
  redisCpuPercent: number;
  opsPerSec: number;
  rssMBPerHeartbeatWorker: number;
  pssMBPerHeartbeatWorker: number;
  load1: number[];
}

/**
 * Runs the soak: `pool`'s heartbeat workers take 1 s tasks (the queue kept at two per worker)
 * for `minutes`; every `everyS` seconds the manager calls detectLostWorkers().
 */
export async function soak(
  rush: Rush,
  pool: Pool,
  minutes: number,
  everyS: number,
  log: (text: string) => void,
): Promise<SoakResult> {
  const workers = pool.options.n;
  const lost = new Set<string>();
  const detectTimes: number[] = [];
  const loads: number[] = [load1()];
  const feeder = startFeeder(rush, 'soak', 1000, 2 * workers);
  await sleep(5000); // every worker has a task in hand
  const before = await sampleRedis(rush.connector);
  const from = performance.timeOrigin + performance.now();
  const end = Date.now() + minutes * 60_000;
  let nextLog = Date.now() + 60_000;
  let memory = pool.memoryPerWorker();
  while (Date.now() < end) {
    const start = performance.now();
    for (const id of await rush.detectLostWorkers()) lost.add(id);
    detectTimes.push(performance.now() - start);
    if (Date.now() >= nextLog) {
      nextLog += 60_000;
      loads.push(load1());
      memory = pool.memoryPerWorker();
      const left = Math.round((end - Date.now()) / 60_000);
      log(`  soak: ${lost.size} lost so far, load ${loads.at(-1)}, ${left} min left`);
    }
    await sleep(Math.min(everyS * 1000, Math.max(0, end - Date.now())));
  }
  const to = performance.timeOrigin + performance.now();
  const after = await sampleRedis(rush.connector);
  const runningAtEnd = await rush.nRunningWorkers();
  const pushed = await feeder.stop();
  await rush.emptyQueue();
  const deadline = Date.now() + 60_000;
  while ((await rush.nRunningTasks()) > 0 && Date.now() < deadline) await sleep(100);
  const rows = (await rush.fetchNewTasks({ fields: ['xs', 'ys'] })) as unknown as {
    cell?: string;
    t0?: number;
    t1?: number;
  }[];
  let busy = 0;
  let finished = 0;
  for (const row of rows) {
    if (row.cell !== 'soak' || row.t0 === undefined || row.t1 === undefined) continue;
    busy += Math.max(0, Math.min(row.t1, to) - Math.max(row.t0, from));
    finished++;
  }
  const rates = redisRates(before, after);
  // Tasks failed for another reason than the final emptyQueue (a lost worker's, say).
  const failedRows = (await rush.fetchFailedTasks({ fields: ['xs', 'condition'] })) as unknown as {
    cell?: string;
    condition?: { message?: string };
  }[];
  const failed = failedRows.filter(
    (row) => row.cell === 'soak' && row.condition?.message !== 'Removed from queue',
  ).length;
  return {
    minutes,
    heartbeatWorkers: workers,
    heartbeatPeriod: pool.options.heartbeatPeriod ?? 0,
    detectCalls: detectTimes.length,
    falselyLost: lost.size,
    detectMs: summarize(detectTimes, { p99: true }),
    runningAtEnd,
    tasksFinished: finished,
    tasksFailed: failed,
    tasksPushed: pushed,
    utilization: busy / (workers * (to - from)),
    redisCpuPercent: rates.cpuPercent,
    opsPerSec: rates.opsPerSec,
    rssMBPerHeartbeatWorker: memory.rssMB,
    pssMBPerHeartbeatWorker: memory.pssMB,
    load1: loads,
  };
}
