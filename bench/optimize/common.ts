/**
 * What the optimization benchmarks share: the simulated expensive objective (a log-normal sleep
 * with a given mean, heavy right tail like cross-validation runs, then a test function), in-process
 * workers, utilization over a fixed window, and a timing wrapper for proposals.
 */
import { RushWorker } from '../../dist/index.js';
import type { Optimizer } from '../../dist/optimize/index.js';
import { Rng } from '../../dist/optimize/index.js';

export const SDLOG = 0.5;

/** A log-normal duration (ms) with the given mean: mean·exp(σZ − σ²/2). */
export function lognormalMs(meanMs: number, rng: Rng): number {
  return meanMs * Math.exp(SDLOG * rng.normal() - SDLOG ** 2 / 2);
}

export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sleeps a log-normal time, then returns `value` with the measured interval (epoch ms). */
export async function simulate(meanMs: number, rng: Rng, value: Record<string, number>) {
  const t0 = now();
  await sleep(lognormalMs(meanMs, rng));
  return { ...value, t0, t1: now() } as { y: number; t0: number; t1: number };
}

/** `n` registered workers in this process, connected `batch` at a time. */
export async function inProcessWorkers(
  networkId: string,
  url: string,
  n: number,
): Promise<RushWorker[]> {
  const workers: RushWorker[] = [];
  for (let i = 0; i < n; i += 32) {
    const batch = Math.min(32, n - i);
    workers.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => RushWorker.create({ networkId, config: url })),
      )),
    );
  }
  return workers;
}

/**
 * Utilization (Egele et al.): time spent evaluating inside [start, start + window] summed over
 * evaluations, divided by window × workers.
 */
export function utilization(
  intervals: { t0: number; t1: number }[],
  start: number,
  windowMs: number,
  workers: number,
): number {
  let busy = 0;
  const end = start + windowMs;
  for (const { t0, t1 } of intervals) busy += Math.max(0, Math.min(t1, end) - Math.max(t0, start));
  return busy / (windowMs * workers);
}

/** Wraps an optimizer so that every proposal's wall time lands in `times` (ms). */
export function timed(optimizer: Optimizer, times: number[]): Optimizer {
  return {
    ...optimizer,
    start(context) {
      const instance = optimizer.start(context);
      return {
        ...instance,
        observe: (e) => instance.observe(e),
        fromDesign: instance.fromDesign?.bind(instance),
        async propose() {
          const t0 = performance.now();
          const p = await instance.propose();
          times.push(performance.now() - t0);
          return p;
        },
      };
    },
  };
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export { Rng };
