/**
 * The worker loop of `rushnet demo`: an optimization of the Branin function. First the
 * manager's initial design, taken from the queue with `processTasks`; then a decentralized
 * search: every worker proposes a point (near the best any worker found, or at random),
 * evaluates it, and records it; all workers learn from all results.
 */
import type { RushWorker } from '../worker.js';

/** The Branin function; its global minimum is 0.397887 (at three points). */
export function branin(x1: number, x2: number): number {
  const a = x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6;
  return a ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
/** A standard normal sample (Box-Muller). */
const gauss = () =>
  Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());

export default async function demoLoop(
  rush: RushWorker,
  budget: number,
  deadline: number,
  evalMs: number,
): Promise<void> {
  const evaluate = async (x1: number, x2: number) => {
    if (evalMs > 0) await new Promise((resolve) => setTimeout(resolve, evalMs)); // a costly simulation
    return { y: branin(x1, x2) };
  };
  // The initial design: the queue pattern, until the queue is empty.
  const designDone = new AbortController();
  const watch = setInterval(async () => {
    if ((await rush.nQueuedTasks()) === 0) designDone.abort();
  }, 200);
  try {
    await rush.processTasks((task) => evaluate(task.xs.x1 as number, task.xs.x2 as number), {
      signal: designDone.signal,
      timeout: 0.2,
    });
  } finally {
    clearInterval(watch);
  }
  let best: { x1: number; x2: number; y: number } | undefined;
  let seen = 0; // evaluations finished anywhere in the network
  while (!rush.terminated && Date.now() < deadline && (await rush.nTasks()) < budget) {
    for (const row of await rush.fetchNewTasks({ fields: ['xs', 'ys'] })) {
      seen++;
      const y = row.y as number;
      if (!best || y < best.y) best = { x1: row.x1 as number, x2: row.x2 as number, y };
    }
    // Explore at random first and now and then; otherwise search near the best, ever closer.
    const explore = !best || seen < 20 || Math.random() < 0.1;
    const step = Math.max(0.02, 3 * 0.985 ** seen);
    const x1 = explore ? -5 + 15 * Math.random() : clamp(best!.x1 + step * gauss(), -5, 10);
    const x2 = explore ? 15 * Math.random() : clamp(best!.x2 + step * gauss(), 0, 15);
    const [key] = await rush.pushRunningTasks([{ x1, x2 }]);
    await rush.finishTasks([key!], [await evaluate(x1, x2)]);
  }
}
