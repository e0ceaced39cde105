/**
 * `npm run bench:scale`: the scale benchmark (BENCHMARKS.md, "Scale"), on a private
 * redis-server. For each number of workers and task duration: utilization, coordination
 * overhead per task, Redis CPU and commands/s, memory per worker. Then, with `--registry-workers`
 * registered: workerInfo(), detectLostWorkers() and `rushnet status --network`; then the soak
 * (`--soak-minutes`, heartbeat workers, detectLostWorkers() every few seconds). Writes
 * bench/results/scale.{md,json} (`--quick`: quick.scale.*). Flags: see `options` below.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Rush } from '../../dist/index.js';
import { startEmbeddedRedis } from '../../dist/redis/embedded-redis.js';
import { idleLoop, Pool, type PoolMode, sleepLoop } from './pool.js';
import { load1 } from './probes.js';
import { measureRegistry, type RegistryResult, type SoakResult, soak } from './registry.js';
import { markdown } from './report.js';
import { type CellResult, runCell } from './utilization.js';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workers: { type: 'string' }, // e.g. 16,64,256
    durations: { type: 'string' }, // task durations, ms: 10,100,1000
    window: { type: 'string' }, // seconds measured per cell (default: max(10, 15 × duration))
    // processes | grouped | auto (grouped above 64) | both (processes up to 64, and grouped)
    mode: { type: 'string', default: 'both' },
    'per-process': { type: 'string', default: '64' }, // workers per process when grouped
    'start-batch': { type: 'string', default: '16' }, // processes started at a time
    repeat: { type: 'string' }, // windows measured per cell (default 3, --quick 1)
    'registry-workers': { type: 'string' },
    'soak-workers': { type: 'string' },
    'soak-minutes': { type: 'string' },
    'soak-per-process': { type: 'string', default: '16' },
    'heartbeat-period': { type: 'string', default: '5' },
    'detect-every': { type: 'string', default: '3' }, // seconds between detectLostWorkers()
    skip: { type: 'string', default: '' }, // matrix,registry,soak
    out: { type: 'string' },
    'max-minutes': { type: 'string', default: '90' }, // the whole run, plus the soak
  },
});
const quick = flags.quick === true;
const list = (text: string | undefined, fallback: number[]) =>
  text ? text.split(',').map(Number) : fallback;
const WORKERS = list(flags.workers, quick ? [16] : [16, 64, 256]);
const DURATIONS = list(flags.durations, quick ? [100] : [10, 100, 1000]);
const perProcess = Number(flags['per-process']);
const repeat = Number(flags.repeat ?? (quick ? 1 : 3));
const registryWorkers = Number(flags['registry-workers'] ?? (quick ? 100 : 1000));
const soakWorkers = Number(flags['soak-workers'] ?? (quick ? 32 : 256));
const soakMinutes = Number(flags['soak-minutes'] ?? (quick ? 0.25 : 10));
const soakPerProcess = Number(flags['soak-per-process']);
const heartbeatPeriod = Number(flags['heartbeat-period']);
const skip = new Set(flags.skip?.split(','));
const outName = flags.out ?? (quick ? 'quick.scale' : 'scale');
const modesOf = (n: number): PoolMode[] => {
  if (flags.mode === 'both') return n > 64 ? ['grouped'] : ['processes', 'grouped'];
  if (flags.mode === 'auto') return n > 64 ? ['grouped'] : ['processes'];
  return [flags.mode as PoolMode];
};
const windowOf = (ms: number) =>
  flags.window ? Number(flags.window) : quick ? 3 : Math.max(10, (15 * ms) / 1000);
if (!['auto', 'both', 'processes', 'grouped'].includes(flags.mode!)) throw new Error('bad --mode');
if (soakWorkers > registryWorkers) throw new Error('--soak-workers exceeds --registry-workers');

const log = (text: string) => process.stderr.write(`bench:scale: ${text}\n`);
const cells: CellResult[] = [];
let registry: RegistryResult | undefined;
let soakResult: SoakResult | undefined;
const pools = new Set<Pool>();
const managers = new Set<Rush>();

const server = await startEmbeddedRedis();
const logDir = mkdtempSync(join(tmpdir(), 'rushnet-scale-'));
/** Stops every worker this run started (reset, then kill by pid) and the Redis server. */
async function cleanUp(): Promise<void> {
  for (const rush of managers) await rush.reset().catch(() => undefined);
  for (const pool of pools) await pool.stop();
  for (const rush of managers) await rush.close().catch(() => undefined);
  await server.stop();
}
const watchdog = setTimeout(
  () => {
    log('the run took longer than --max-minutes: stopping');
    void cleanUp().finally(() => process.exit(1));
  },
  (Number(flags['max-minutes']) + soakMinutes) * 60_000,
);
watchdog.unref();

async function manager(): Promise<Rush> {
  const rush = await new Rush({ networkId: `bench-scale-${Date.now()}`, config: server.url });
  await rush.connect();
  managers.add(rush);
  return rush;
}

async function startPool(rush: Rush, options: Parameters<typeof Pool.start>[1], batch?: number) {
  log(`starting ${options.n} workers (${options.mode}), load ${load1()}`);
  const pool = await Pool.start(rush, options, { batch });
  pools.add(pool);
  const replaced = pool.startFailures > 0 ? ` (${pool.startFailures} replaced)` : '';
  log(`  registered after ${(pool.startMs / 1000).toFixed(1)} s${replaced}`);
  return pool;
}

async function endNetwork(rush: Rush, ...ended: Pool[]): Promise<void> {
  await rush.reset();
  for (const pool of ended) {
    await pool.stop();
    pools.delete(pool);
  }
  await rush.close();
  managers.delete(rush);
}

try {
  log(`redis-server on ${server.url}; worker logs in ${logDir}; load ${load1()}`);
  if (!skip.has('matrix')) {
    for (const [n, mode] of WORKERS.flatMap((n) => modesOf(n).map((m) => [n, m] as const))) {
      const rush = await manager();
      const pool = await startPool(
        rush,
        { mode, n, perProcess, loop: sleepLoop, messageLog: logDir, timeout: 900 },
        Number(flags['start-batch']),
      );
      for (const ms of DURATIONS.flatMap((ms) => Array<number>(repeat).fill(ms))) {
        const cell = await runCell(rush, pool, ms, windowOf(ms), log);
        cells.push(cell);
        log(
          `${n} workers (${mode}) × ${ms} ms: utilization ${(100 * cell.utilization).toFixed(1)} %, ` +
            `overhead ${cell.overheadMs.toFixed(2)} ms/task, ${cell.tasksPerSec.toFixed(0)} tasks/s, ` +
            `CPU workers ${cell.workerCpuPercent.toFixed(0)} % Redis ${cell.redisCpuPercent.toFixed(0)} %, ` +
            `${cell.opsPerSec.toFixed(0)} ops/s, ` +
            `RSS ${cell.rssMBPerWorker.toFixed(1)} MB/worker, load ${cell.load1.join(' → ')}`,
        );
      }
      await endNetwork(rush, pool);
    }
  }
  if (!skip.has('registry') || !skip.has('soak')) {
    const rush = await manager();
    // The heartbeat workers of the soak, one process of them at a time (each process starts a
    // watch thread per worker), then the rest of the registered workers, idle, no heartbeat.
    const beating = await startPool(
      rush,
      {
        mode: 'grouped',
        n: soakWorkers,
        perProcess: soakPerProcess,
        loop: sleepLoop,
        heartbeatPeriod,
        messageLog: logDir,
        timeout: 900,
      },
      1,
    );
    const idle =
      registryWorkers > soakWorkers
        ? await startPool(rush, {
            mode: 'grouped',
            n: registryWorkers - soakWorkers,
            perProcess: 250,
            loop: idleLoop,
            messageLog: logDir,
            timeout: 900,
          })
        : undefined;
    if (!skip.has('registry')) {
      registry = await measureRegistry(rush, server.url, beating, idle);
      const [r, t] = [registry, registry.running];
      log(
        `${r.registered} registered: workerInfo ${t.workerInfoMs.median.toFixed(1)} ms, ` +
          `detectLostWorkers ${t.detectLostWorkersMs.median.toFixed(1)} ms, ` +
          `status ${t.statusWorkMs.median.toFixed(1)} ms (CLI ${t.statusCliMs.median.toFixed(0)} ms); ` +
          `workers stopped: ${r.paused.workerInfoMs.median.toFixed(1)} / ` +
          `${r.paused.detectLostWorkersMs.median.toFixed(1)} / ${r.paused.statusWorkMs.median.toFixed(1)} ms`,
      );
    }
    if (idle) {
      // The soak is about the heartbeat workers: the idle ones would only load the 2 cores.
      await rush.stopWorkers({ type: 'kill', workerIds: idle.workerIds });
      await idle.stop();
    }
    if (!skip.has('soak')) {
      log(`soak: ${soakWorkers} heartbeat workers for ${soakMinutes} min`);
      soakResult = await soak(rush, beating, soakMinutes, Number(flags['detect-every']), log);
      log(
        `soak: ${soakResult.falselyLost} falsely lost in ${soakResult.detectCalls} detections, ` +
          `utilization ${(100 * soakResult.utilization).toFixed(1)} %`,
      );
    }
    await endNetwork(rush, beating, ...(idle ? [idle] : []));
  }
  rmSync(logDir, { recursive: true, force: true });
} catch (error) {
  log(`failed; the workers' logs stay in ${logDir}`);
  throw error;
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
};
const results = { machine, quick, flags, cells, registry, soak: soakResult };
const text = markdown(results);
mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`../results/${outName}.json`, import.meta.url),
  `${JSON.stringify(results, null, 2)}\n`,
);
writeFileSync(new URL(`../results/${outName}.md`, import.meta.url), text);
process.stdout.write(text);
