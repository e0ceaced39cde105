/**
 * One cell of the utilization table: a method (ADBO, ACBO or CL) with `workers` workers in
 * worker processes (`perProcess` RushWorkers to a process, `rushnet worker --count`, as in the
 * scale benchmark) on a fresh network, for `seconds` of wall time, evaluations sleeping a
 * log-normal time of mean `meanMs`, values from Branin. The clock starts once every worker is
 * registered (start-up is reported apart). ADBO runs on the workers; the ACBO and CL proposers
 * run in this process, the workers only evaluate.
 */
import { loadavg } from 'node:os';
import { Rush } from '../../dist/index.js';
import { GroupLauncher } from '../scale/launcher.js';
import { runAcbo, runConstantLiar } from './baselines.js';
import { quantile, Rng, utilization } from './common.js';
import { FUNCTIONS } from './functions.js';
import { OptimizationStoreKey } from './store-key.js';

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
  /** CPU time of one proposal (ms), median: measured in the proposing process. */
  cpuPerProposalMs: number;
  proposals: number;
  bestY: number;
  startupS: number;
  /** The machine's 1-minute load average when the cell ended (2 cores; other work included). */
  load1: number;
}

const LOOP = { module: new URL('./worker-loop.mjs', import.meta.url) };

export async function runUtilizationCell(
  url: string,
  method: Method,
  workers: number,
  seconds: number,
  meanMs: number,
  seed: number,
  designSize = workers,
  perProcess = 8,
): Promise<UtilizationCell> {
  const fn = FUNCTIONS.branin!;
  const networkId = `bench-opt-${method}-${workers}-${Date.now().toString(36)}`;
  const manager = await new Rush({ networkId, config: url }).connect();
  const launcher = new GroupLauncher(perProcess);
  const t0 = Date.now();
  const loopOptions = {
    mode: method === 'adbo' ? 'adbo' : 'evaluate',
    workers,
    seconds,
    meanMs,
    seed,
    design: designSize,
  };
  try {
    await manager.startWorkers(LOOP, { nWorkers: workers, launcher, args: [loopOptions] });
    await manager.waitForWorkers({ n: workers, timeout: 120 });
    const startupS = (Date.now() - t0) / 1000;
    const rng = new Rng(seed);
    const times: number[] = [];
    const cpuTimes: number[] = [];
    let start = Date.now();
    const end = start + seconds * 1000;
    if (method === 'adbo') {
      // The workers start together; the network's clock is the optimization's start time.
      while ((await manager.nTerminatedWorkers()) < workers)
        await new Promise((r) => setTimeout(r, 250));
      start = Number(
        await manager.connector.hget(new OptimizationStoreKey(networkId).key, 'started_at'),
      );
    } else {
      const cpu0 = process.cpuUsage();
      if (method === 'cl') await runConstantLiar(manager, fn.space, workers, end, rng, times);
      else await runAcbo(manager, fn.space, designSize, end, rng, times);
      const cpu = process.cpuUsage(cpu0);
      cpuTimes.push((cpu.user + cpu.system) / 1000 / Math.max(1, times.length));
      await manager.stopWorkers({ type: 'terminate' });
      while ((await manager.nTerminatedWorkers()) < workers)
        await new Promise((r) => setTimeout(r, 250));
    }
    const rows = await manager.fetchFinishedTasks({ fields: ['xs', 'ys', 'xs_extra'] });
    const windowEnd = start + seconds * 1000;
    const inWindow = rows.filter((r) => (r.t1 as number) <= windowEnd);
    if (method === 'adbo') {
      for (const r of rows) {
        if (typeof r.proposal_ms === 'number') {
          times.push(r.proposal_ms);
          cpuTimes.push(r.proposal_cpu_ms as number);
        }
      }
    }
    times.sort((a, b) => a - b);
    cpuTimes.sort((a, b) => a - b);
    return {
      method,
      workers,
      seconds,
      meanEvalS: meanMs / 1000,
      evaluations: inWindow.length,
      designEvaluations: inWindow.filter((r) => r.stage === 'initial_design').length,
      utilization: utilization(
        rows.map((r) => ({ t0: r.t0 as number, t1: r.t1 as number })),
        start,
        seconds * 1000,
        workers,
      ),
      proposalMedianMs: quantile(times, 0.5),
      proposalP90Ms: quantile(times, 0.9),
      cpuPerProposalMs: quantile(cpuTimes, 0.5),
      proposals: times.length,
      bestY: Math.min(...inWindow.map((r) => r.y as number)),
      startupS,
      load1: loadavg()[0]!,
    };
  } finally {
    await manager.reset().catch(() => undefined);
    await launcher.killAll();
    await manager.close();
  }
}
