/**
 * Waiting until killed workers are gone, for `reset()`: a worker reached only through its
 * heartbeat (started elsewhere) acknowledges a kill by deleting its kill flag just before its
 * process ends; a frozen or dead one is gone once its heartbeat key lapses. Until one of the two,
 * it could still write keys that a reset would otherwise leave behind.
 */
import { unwrap } from '../redis/scripts/index.js';
import type { ManagerContext } from './manager-context.js';

/** Between two looks at the flags. */
const POLL_MS = 100;

/**
 * Resolves once every worker in `workerIds` acknowledged its kill or lost its heartbeat, or
 * after `timeoutMs`. Returns the ids still unconfirmed then.
 */
export async function waitForKills(
  ctx: ManagerContext,
  workerIds: readonly string[],
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let waiting = [...workerIds];
  while (waiting.length > 0) {
    const pipeline = ctx.client().pipeline();
    for (const id of waiting) pipeline.exists(ctx.keys.kill(id), ctx.keys.heartbeat(id));
    const counts = unwrap(await pipeline.exec()) as number[];
    // Both keys still there: the flag is not yet acknowledged and the heartbeat still lives.
    waiting = waiting.filter((_, i) => counts[i] === 2);
    if (waiting.length === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return waiting;
}
