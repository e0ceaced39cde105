/**
 * The worker loop of `rushnet demo`: every worker runs `optimize` from rushnet/optimize on the
 * Branin function, with ADBO (or random search), sharing the budget, the initial design and all
 * results with the other workers. A small region of the domain makes the simulated solver fail,
 * so the run shows failed evaluations with their reason; each evaluation is logged with its
 * values, so the worker logs (and the dashboard's Log panel) show what happened.
 */
import { adbo, float, optimize, randomSearch, space } from '../optimize/index.js';
import type { RushWorker } from '../worker.js';

/** The Branin function; its global minimum is 0.397887 (at three points). */
export function branin(x1: number, x2: number): number {
  const a = x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6;
  return a ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

/** Where the simulated solver does not converge (a corner of the domain far from any minimum). */
export function diverges(x1: number, x2: number): boolean {
  return x1 < -3 && x2 < 4;
}

export class SolverDivergedError extends Error {
  override name = 'SolverDivergedError';
}

export interface DemoLoopOptions {
  evaluations: number;
  /** Epoch ms by which the run ends at the latest. */
  deadline: number;
  evalMs: number;
  optimizer: 'adbo' | 'random';
  initialDesign: number;
}

export default async function demoLoop(rush: RushWorker, o: DemoLoopOptions): Promise<void> {
  await optimize(rush, {
    space: space({ x1: float(-5, 10), x2: float(0, 15) }),
    optimizer: o.optimizer === 'random' ? randomSearch() : adbo(),
    budget: {
      evaluations: o.evaluations,
      seconds: Math.max(0.1, (o.deadline - Date.now()) / 1000),
    },
    initialDesign: o.initialDesign,
    objective: async ({ x1, x2 }) => {
      if (o.evalMs > 0) await new Promise((resolve) => setTimeout(resolve, o.evalMs)); // a costly simulation
      if (diverges(x1, x2)) {
        rush.logger.warn({ x1, x2 }, 'solver diverged');
        throw new SolverDivergedError(
          `solver diverged at x1 = ${x1.toFixed(3)}, x2 = ${x2.toFixed(3)} (simulated: x1 < -3 and x2 < 4 does not converge)`,
        );
      }
      const y = branin(x1, x2);
      rush.logger.info({ x1, x2, y }, 'evaluated');
      return y;
    },
  });
}
