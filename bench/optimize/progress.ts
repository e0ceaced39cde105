/**
 * Best-so-far against wall time: ADBO, random search and ASHA on one test function, run at the
 * same time on three networks with `workers` in-process workers each, evaluations sleeping a
 * log-normal time of mean `meanMs`. ASHA's space gains a budget `epochs` in [1, 9] (eta 3): an
 * evaluation at budget b sleeps b/9 of a full one and returns the value plus noise that shrinks
 * with b; best-so-far counts the noise-free value of every configuration any method evaluated.
 * `asha_stop`, ASHA's stopping variant: every configuration trains for 9 epochs (a log-normal
 * full time, a ninth per epoch) and reports after each the value plus the noise of that budget,
 * one draw per configuration (one training run), through `report`; it returns early when told.
 */
import { loadavg } from 'node:os';
import { Rush } from '../../dist/index.js';
import { adbo, asha, float, optimize, randomSearch, space } from '../../dist/optimize/index.js';
import { inProcessWorkers, lognormalMs, now, Rng, simulate, sleep } from './common.js';
import type { TestFunction } from './functions.js';

export type ProgressMethod = 'adbo' | 'random' | 'asha' | 'asha_stop';
export const PROGRESS_METHODS: ProgressMethod[] = ['adbo', 'random', 'asha', 'asha_stop'];

/** Best-so-far regret at each point of `grid` (seconds from the start). */
export interface ProgressRun {
  fn: string;
  method: ProgressMethod;
  seed: number;
  evaluations: number;
  /** Evaluations that `report` stopped early (asha_stop). */
  stopped?: number;
  /** The 1-minute load average when the run started (the curve is against wall time). */
  load1: number;
  regret: number[];
}

const NOISE: Record<string, number> = { branin: 10, hartmann6: 0.3 };

export async function runProgress(
  url: string,
  fn: TestFunction,
  seed: number,
  workers: number,
  seconds: number,
  meanMs: number,
  grid: number[],
  methods: ProgressMethod[] = PROGRESS_METHODS,
): Promise<ProgressRun[]> {
  const load1 = loadavg()[0]!;
  return Promise.all(
    methods.map(async (method) => {
      const networkId = `bench-progress-${fn.name}-${method}-${seed}-${Date.now().toString(36)}`;
      const manager = await new Rush({ networkId, config: url }).connect();
      const pool = await inProcessWorkers(networkId, url, workers);
      const rng = new Rng(`${seed}:${method}`);
      const start = Date.now();
      const common = {
        budget: { seconds },
        seed,
        initialDesign: method === 'adbo' ? 2 * workers : 0,
      };
      if (method === 'asha' || method === 'asha_stop') {
        const stopping = method === 'asha_stop';
        const s = space({ ...fn.space.params, epochs: float(1, 9) });
        const noise = NOISE[fn.name] ?? 1;
        await Promise.all(
          pool.map((w) =>
            optimize(w, {
              ...common,
              space: s,
              optimizer: asha({ budget: 'epochs', min: 1, max: 9, eta: 3, stopping }),
              objective: async (xs, { report }) => {
                const f = fn.f(xs);
                const z = rng.normal();
                if (!stopping) {
                  const fidelity = xs.epochs / 9;
                  return simulate(meanMs * fidelity, rng, { y: f + noise * (1 - fidelity) * z, f });
                }
                // One training run: the noise of each epoch's budget, one draw per configuration.
                const perEpoch = lognormalMs(meanMs, rng) / xs.epochs;
                const t0 = now();
                let y = Number.NaN;
                for (let epoch = 1; epoch <= xs.epochs; epoch++) {
                  await sleep(perEpoch);
                  y = f + noise * (1 - epoch / 9) * z;
                  if (await report(epoch, y)) break;
                }
                return { y, f, t0, t1: now() };
              },
            }),
          ),
        );
      } else {
        await Promise.all(
          pool.map((w) =>
            optimize(w, {
              ...common,
              space: fn.space,
              optimizer: method === 'adbo' ? adbo() : randomSearch(),
              objective: async (xs) => {
                const f = fn.f(xs);
                return simulate(meanMs, rng, { y: f, f });
              },
            }),
          ),
        );
      }
      const rows = await manager.fetchFinishedTasks({ fields: ['ys', 'ys_extra'] });
      const events = rows
        .map((r) => ({ t: ((r.t1 as number) - start) / 1000, f: r.f as number }))
        .sort((a, b) => a.t - b.t);
      const regret = grid.map((t) => {
        let best = Number.POSITIVE_INFINITY;
        for (const e of events) if (e.t <= t && e.f < best) best = e.f;
        return best - fn.minimum;
      });
      await manager.reset();
      await Promise.all(pool.map((w) => w.close()));
      await manager.close();
      return {
        fn: fn.name,
        method,
        seed,
        evaluations: events.filter((e) => e.t <= seconds).length,
        ...(method === 'asha_stop'
          ? { stopped: rows.filter((r) => r.stopped_at_step !== undefined).length }
          : {}),
        load1,
        regret,
      };
    }),
  );
}
