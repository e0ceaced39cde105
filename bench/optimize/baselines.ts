/**
 * The two baselines of the rush paper, built on the same Gaussian process as ADBO:
 * - CL: synchronous batch BO with a constant liar. One proposer makes q points at a time (each
 *   chosen by the lower confidence bound, then assumed to return the best value seen so far),
 *   pushes them, and waits until the whole batch has finished.
 * - ACBO: asynchronous centralized BO. One proposer keeps the queue one point ahead of the
 *   workers; workers only evaluate (processTasks).
 */
import type { Rush } from '../../dist/index.js';
import { selectTraining } from '../../dist/optimize/adbo.js';
import {
  adbo,
  GaussianProcess,
  initialDesign,
  type Optimizer,
  type Rng,
  type Space,
} from '../../dist/optimize/index.js';

interface Archive {
  x: Float64Array[];
  xs: Record<string, unknown>[];
  loss: number[];
}

/** Reads newly finished tasks into the archive. */
async function learn(rush: Rush, space: Space, archive: Archive): Promise<void> {
  for (const row of await rush.fetchNewTasks({ fields: ['xs', 'ys'] })) {
    if (typeof row.y !== 'number' || !space.contains(row)) continue;
    const xs = Object.fromEntries(space.names.map((n) => [n, row[n]]));
    archive.xs.push(xs);
    archive.x.push(space.encode(xs as never));
    archive.loss.push(row.y);
  }
}

/** q proposals by LCB with a constant liar (the best loss seen), refitting after each. */
export function constantLiarBatch(
  space: Space,
  archive: Archive,
  q: number,
  rng: Rng,
  times: number[],
) {
  const t0 = performance.now();
  const chosen = selectTraining(archive.loss, 100, rng);
  const x = chosen.map((i) => archive.x[i]!);
  const y = chosen.map((i) => archive.loss[i]!);
  const gp = new GaussianProcess().fit(x, y);
  const hyper = gp.hyper;
  const lie = Math.min(...y);
  const best = chosen.sort((a, b) => archive.loss[a]! - archive.loss[b]!).slice(0, 5);
  const batch: Record<string, unknown>[] = [];
  for (let j = 0; j < q; j++) {
    if (j > 0) gp.fit(x, y, hyper);
    let top = { xs: space.sample(rng), acq: Number.POSITIVE_INFINITY };
    const score = (xs: Record<string, unknown>) => {
      const { mean, sd } = gp.predict(space.encode(xs as never));
      if (mean - 1.96 * sd < top.acq) top = { xs, acq: mean - 1.96 * sd };
    };
    for (let i = 0; i < 300; i++) score(space.sample(rng));
    for (let i = 0; i < 300; i++)
      score(space.neighbour(archive.xs[best[i % best.length]!] as never, rng, 0.05));
    batch.push(top.xs);
    x.push(space.encode(top.xs as never));
    y.push(lie);
  }
  times.push(performance.now() - t0);
  return batch;
}

/** CL on `rush` (a manager) until `end` (epoch ms): design batch first, then batches of q. */
export async function runConstantLiar(
  rush: Rush,
  space: Space,
  q: number,
  end: number,
  rng: Rng,
  times: number[],
): Promise<void> {
  const archive: Archive = { x: [], xs: [], loss: [] };
  let batch: Record<string, unknown>[] = initialDesign(space, q, rng);
  while (Date.now() < end) {
    const keys = await rush.pushTasks(batch, {
      xssExtra: [{ optimizer: 'cl', stage: archive.loss.length === 0 ? 'initial_design' : 'mbo' }],
    });
    await rush.waitForTasks(keys);
    await learn(rush, space, archive);
    if (Date.now() >= end) break;
    batch = constantLiarBatch(space, archive, q, rng, times);
  }
}

/** ACBO on `rush` (a manager) until `end`: design first, then one proposal whenever the queue is empty. */
export async function runAcbo(
  rush: Rush,
  space: Space,
  designSize: number,
  end: number,
  rng: Rng,
  times: number[],
): Promise<void> {
  await rush.pushTasks(initialDesign(space, designSize, rng), {
    xssExtra: [{ optimizer: 'acbo', stage: 'initial_design' }],
  });
  const optimizer: Optimizer = adbo();
  const instance = optimizer.start({
    rush: rush as never,
    space: space as never,
    rng,
    store: {} as never,
    proposer: 'acbo',
    logger: rush.logger,
  });
  while (Date.now() < end) {
    const rows = await rush.fetchNewTasks({ fields: ['xs', 'ys'] });
    instance.observe(
      rows
        .filter((row) => typeof row.y === 'number' && space.contains(row))
        .map((row) => ({
          key: row.key,
          xs: Object.fromEntries(space.names.map((n) => [n, row[n]])),
          loss: row.y as number,
          row,
        })),
    );
    if ((await rush.nQueuedTasks()) > 0) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    const t0 = performance.now();
    const proposal = await instance.propose();
    times.push(performance.now() - t0);
    await rush.pushTasks([proposal.xs as Record<string, unknown>], {
      xssExtra: [{ optimizer: 'acbo', ...proposal.extra }],
    });
  }
}
