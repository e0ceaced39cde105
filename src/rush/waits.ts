/**
 * `waitForTasks`: blocking until tasks are done, woken by the events channel rather than by
 * polling. Each check is one round trip however many keys there are (long lists go in chunks
 * of one pipeline), so no single script holds the server for long.
 */
import { RushTimeoutError } from '../errors.js';
import { ProgressLine } from '../progress.js';
import * as calls from '../redis/scripts/calls.js';
import { queueScript, unwrap } from '../redis/scripts/index.js';
import type { WaitForTasksOptions } from '../types.js';
import { checkBoolean, checkKeys, checkOptions, checkSeconds } from '../validate.js';
import type { RushContext } from './context.js';
import { waitOnEvents } from './events.js';
import { chunked, KEY_CHUNK } from './task-reader.js';

/**
 * Resolves when every task in `keys` is finished or failed, or no worker is running.
 * `detectLostWorkers` runs lost-worker detection before each check.
 */
export async function waitForTasks(
  ctx: RushContext,
  keys: unknown,
  options: WaitForTasksOptions | undefined,
  detectLostWorkers: () => Promise<unknown>,
): Promise<void> {
  const o = checkOptions('options', options, ['detectLostWorkers', 'timeout', 'progress']);
  const checked = checkKeys('keys', keys);
  const detect = checkBoolean('detectLostWorkers', o.detectLostWorkers ?? false);
  const timeout = checkSeconds('timeout', o.timeout ?? Number.POSITIVE_INFINITY, {
    infinite: true,
  });
  const progress = checkBoolean('progress', o.progress ?? false) ? new ProgressLine() : undefined;
  if (checked.length === 0) return;
  const chunks = chunked(checked, KEY_CHUNK);
  let open = checked.length;
  try {
    await waitOnEvents(
      ctx.events,
      Date.now() + timeout * 1000,
      async () => {
        if (detect) await detectLostWorkers();
        const pipeline = ctx.client().pipeline();
        for (const chunk of chunks) queueScript(pipeline, calls.waitStatus(ctx.keys, chunk));
        const replies = unwrap(await pipeline.exec()) as [number, number][];
        open = replies.reduce((sum, [n]) => sum + n, 0);
        const runningWorkers = replies[replies.length - 1]![1];
        progress?.update(
          checked.length - open,
          checked.length,
          `tasks done · ${runningWorkers} worker(s) running`,
        );
        return open === 0 || runningWorkers === 0 ? true : undefined;
      },
      () => {
        throw new RushTimeoutError(
          `waitForTasks: ${open} of ${checked.length} task(s) still open after ${timeout} s`,
        );
      },
    );
  } finally {
    progress?.finish();
  }
}
