/**
 * One cell of the utilization table: a method (ADBO, ACBO or CL) with `workers` in-process
 * workers on a fresh network, for `seconds` of wall time, evaluations sleeping a log-normal time
 * of mean `meanMs`, values from Branin. Returns evaluations, utilization and proposal times.
 */
import { loadavg } from 'node:os';
import { Rush } from '../../dist/index.js';
import { adbo, optimize } from '../../dist/optimize/index.js';
import { runAcbo, runConstantLiar } from './baselines.js';
import { inProcessWorkers, quantile, Rng, simulate, timed, utilization } from './common.js';
import { FUNCTIONS } from './functions.js';

export type Method = 'adbo' | 'acbo' | 'cl';

export interface UtilizationCell {
  method: Method;
  workers: number;
  seconds: number;
  meanEvalS: number;
  evaluations: number;
  designEvaluations: number;
  utilization: number;
  proposalMedianMs: number;
  proposalP90Ms: number;
  /** CPU of this process per proposal (ms): the whole process's CPU over the run / proposals, an upper bound. */
  cpuPerProposalMs: number;
  proposals: number;
  bestY: number;
  startupS: number;
  /** The machine's 1-minute load average when the cell ended (2 cores; other work included). */
  load1: number;
}

export async function runUtilizationCell(
  url: string,
  method: Method,
  workers: number,
  seconds: number,
  meanMs: number,
  seed: number,
  designSize = workers,
): Promise<UtilizationCell> {
  const fn = FUNCTIONS.branin!;
  const networkId = `bench-opt-${method}-${workers}-${Date.now().toString(36)}`;
  const manager = await new Rush({ networkId, config: url }).connect();
  const t0 = Date.now();
  const pool = await inProcessWorkers(networkId, url, workers);
  const startupS = (Date.now() - t0) / 1000;
  const rng = new Rng(seed);
  const times: number[] = [];
  const objective = (xs: Record<string, unknown>) => simulate(meanMs, rng, { y: fn.f(xs) });
  const start = Date.now();
  const end = start + seconds * 1000;
  const cpu0 = process.cpuUsage();
  if (method === 'adbo') {
    const optimizer = timed(adbo(), times);
    await Promise.all(
      pool.map((w) =>
        optimize(w, {
          space: fn.space,
          optimizer,
          objective,
          budget: { seconds },
          initialDesign: designSize,
          seed,
        }),
      ),
    );
  } else {
    const stop = new AbortController();
    const loops = pool.map((w) =>
      w.processTasks((task) => objective(task.xs), { signal: stop.signal, timeout: 0.2 }),
    );
    if (method === 'cl') await runConstantLiar(manager, fn.space, workers, end, rng, times);
    else await runAcbo(manager, fn.space, designSize, end, rng, times);
    stop.abort();
    await Promise.all(loops);
  }
  const cpu = process.cpuUsage(cpu0);
  const rows = await manager.fetchFinishedTasks({ fields: ['xs', 'ys', 'xs_extra'] });
  const intervals = rows.map((r) => ({ t0: r.t0 as number, t1: r.t1 as number }));
  const inWindow = rows.filter((r) => (r.t1 as number) <= end);
  times.sort((a, b) => a - b);
  const cell: UtilizationCell = {
    method,
    workers,
    seconds,
    meanEvalS: meanMs / 1000,
    evaluations: inWindow.length,
    designEvaluations: inWindow.filter((r) => r.stage === 'initial_design').length,
    utilization: utilization(intervals, start, seconds * 1000, workers),
    proposalMedianMs: quantile(times, 0.5),
    proposalP90Ms: quantile(times, 0.9),
    proposals: times.length,
    cpuPerProposalMs: (cpu.user + cpu.system) / 1000 / Math.max(1, times.length),
    bestY: Math.min(...inWindow.map((r) => r.y as number)),
    startupS,
    load1: loadavg()[0]!,
  };
  await manager.reset();
  await Promise.all(pool.map((w) => w.close()));
  await manager.close();
  return cell;
}
