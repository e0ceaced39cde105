/**
 * The failover round with retries on (test/chaos/failover.test.ts): tasks pushed with
 * `maxRetries`, run by queue workers that fail a share of their tries and by a `processTasks`
 * worker whose handler throws now and then. The network's primary fails over mid-run; later the
 * first workers are killed with `stopWorkers({ type: 'kill' })` while they hold tasks, and
 * fresh workers drain the network. Every task must end finished or failed (failed only with its
 * retries spent), run at most maxRetries + 1 times, and be finished at most once: what Redis
 * lost in the failover is told from what rushnet lost, as in the round without retries.
 */
import type { Durability, WorkerLoop } from '../../src/index.js';
import { waitFor } from '../helpers/servers/process.js';
import {
  type FailoverTopology,
  failOverAfter,
  type RoundNetwork,
  type RoundResult,
  runFailoverRound,
} from './failover-support.js';

const queueLoop: WorkerLoop = {
  module: new URL('./failover-loops.mjs', import.meta.url),
  export: 'queue',
};
const handlerLoop: WorkerLoop = {
  module: new URL('./retry-loops.mjs', import.meta.url),
  export: 'flaky',
};
const MAX_RETRIES = 3;
const RETRIES = { maxRetries: MAX_RETRIES, retryDelay: { initial: 0.05, factor: 2, max: 0.4 } };

/**
 * Starts `queues` queue workers (they log what they saw acknowledged; 10 % of their tries
 * fail) and one `processTasks` worker (10 % of its tries throw; it logs nothing).
 */
async function startWave(net: RoundNetwork, queues: number): Promise<string[]> {
  const { rush, dir, heartbeat } = net;
  const ids = [
    ...(await rush.startLocalWorkers(queueLoop, {
      nWorkers: queues,
      args: [dir, 10, 0.1],
      ...heartbeat,
    })),
    ...(await rush.startLocalWorkers(handlerLoop, { nWorkers: 1, args: [10, 0.1], ...heartbeat })),
  ];
  await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
  return ids;
}

/**
 * One round: 400 tasks with `maxRetries: 3` and a backoff; the failover once some have finished;
 * 100 more tasks; once 10 to 100 more have finished, the first workers killed at once (their
 * tasks, and any that a lost write left running on them, go back to the queue or, retries
 * spent, to failed); two fresh workers run until every task is finished or failed.
 */
export function retriesFailoverRound(
  topology: FailoverTopology,
  seed: number,
  durability: Durability | undefined,
): Promise<RoundResult> {
  return runFailoverRound(topology, seed, durability, async (net, rng) => {
    const { rush } = net;
    const first = await startWave(net, 2);
    await net.push(400, 0, RETRIES);
    const { failedOverAt, reportedLost } = await failOverAfter(topology, rush, rng);
    await net.push(100, 400, RETRIES);
    const target = (await rush.nFinishedTasks()) + rng.int(10, 100);
    await waitFor(
      `${target} finished tasks, or an empty queue`,
      async () => (await rush.nFinishedTasks()) >= target || (await rush.nQueuedTasks()) === 0,
      { timeoutMs: 60_000 },
    );
    await waitFor(
      'a first worker running a task',
      async () =>
        (await rush.fetchRunningTasks({ fields: ['worker_id'] })).some((row) =>
          first.includes(row.worker_id as string),
        ),
      { timeoutMs: 30_000 },
    );
    const rushnet: string[] = [];
    const killed = await rush.stopWorkers({ type: 'kill', workerIds: first });
    if (killed.sort().join() !== [...first].sort().join())
      rushnet.push(`stopWorkers({ type: 'kill' }) acted on ${killed} instead of ${first}`);
    for (const id of first) {
      const child = rush.processes.get(id)!;
      if (child.signalCode !== 'SIGKILL')
        rushnet.push(`worker ${id} was still alive after stopWorkers({ type: 'kill' })`);
    }
    const second = await startWave(net, 1);
    await waitFor(
      'every task to be finished or failed',
      async () => {
        const { finished, failed } = await rush.counts();
        return finished + failed === (await rush.nTasks());
      },
      { timeoutMs: 120_000 },
    );
    const failed = await rush.fetchFailedTasks({ fields: ['tries', 'condition'] });
    for (const row of failed) {
      if (row.tries !== MAX_RETRIES + 1)
        rushnet.push(
          `task ${row.key} failed after ${row.tries} tries: ${JSON.stringify(row.condition)}`,
        );
    }
    const finished = await rush.fetchFinishedTasks({ fields: ['tries', 'condition'] });
    const retried = finished.filter((row) => (row.tries ?? 0) > 1).length;
    const runs = [...finished, ...failed].reduce((sum, row) => sum + (row.tries ?? 0), 0);
    const byKill = [...finished, ...failed].filter((row) => killedOnce(row.condition)).length;
    return {
      workerIds: [...first, ...second],
      killed: first,
      failedOverAt,
      reportedLost,
      check: { done: true, maxRetries: MAX_RETRIES },
      rushnet,
      figures:
        `${retried} finished after a retry, ${byKill} with a try ended by the kill, ${runs} runs` +
        failed.map((row) => `; ${row.key} failed after ${tries(row.condition)}`).join(''),
    };
  });
}

/** The messages of a task's failed tries (its condition's history). */
function failures(condition: unknown): string[] {
  const history = (condition as { history?: { message?: string }[] } | undefined)?.history;
  return (history ?? []).map((c) => String(c.message));
}

/** Whether one of a task's tries was ended by stopWorkers({ type: 'kill' }). */
function killedOnce(condition: unknown): boolean {
  return failures(condition).includes('Worker was killed');
}

/** How a failed task's tries ended, for the round's line: `flaky, Worker was killed, …`. */
function tries(condition: unknown): string {
  return failures(condition).join(', ');
}
