/**
 * `processTasks`: the queue pattern in one call. Up to `concurrency` handlers run at once; each
 * completed task is settled (finished with the handler's result, or failed with the error it
 * threw) in the same script call that takes the next task, so a task costs one round trip in
 * steady state. Completions that arrive together travel in one call.
 */
import { describeValue, RushInputError } from '../errors.js';
import type { Completion } from '../redis/scripts/calls.js';
import { DEFAULT_FIELDS } from '../tasks/fields.js';
import type { PoppedTask, ProcessTasksOptions, TaskHandler } from '../types.js';
import {
  checkFields,
  checkObjectRowNames,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
  isPlainObject,
} from '../validate.js';
import type { RushContext } from './context.js';
import type { TaskQueue } from './queue.js';

type Task = PoppedTask<object>;

/**
 * Runs the queue loop until `shouldStop()` (the worker was asked to terminate), `maxTasks`
 * were processed, or `signal` aborts. Tasks in hand are settled before it resolves.
 * Returns the number of tasks processed.
 */
export async function processTasks(
  ctx: RushContext,
  queue: TaskQueue,
  handler: TaskHandler<object, object>,
  options: ProcessTasksOptions | undefined,
  shouldStop: () => boolean,
): Promise<number> {
  if (typeof handler !== 'function') {
    throw new RushInputError('handler', `must be a function, got ${describeValue(handler)}`);
  }
  const o = checkOptions('options', options, [
    'concurrency',
    'timeout',
    'fields',
    'maxTasks',
    'signal',
  ]);
  const concurrency = checkPositiveInteger('concurrency', o.concurrency ?? 1);
  const timeout = checkSeconds('timeout', o.timeout ?? 1);
  if (timeout === 0) {
    throw new RushInputError(
      'timeout',
      'must be greater than 0 (the seconds each wait for a task lasts)',
    );
  }
  const fields = checkFields('fields', o.fields ?? [...DEFAULT_FIELDS.popTask]);
  const maxTasks =
    o.maxTasks === undefined
      ? Number.POSITIVE_INFINITY
      : checkPositiveInteger('maxTasks', o.maxTasks);
  const signal = o.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new RushInputError('signal', `must be an AbortSignal, got ${describeValue(signal)}`);
  }

  let taken = 0;
  let processed = 0;
  let running = 0;
  let completions: Completion[] = [];
  let wake: (() => void) | undefined;
  // Tasks whose data could not be decoded were taken too: the queue failed them at once.
  const undecodableAtStart = queue.undecodableTaken;
  const failedAtOnce = () => queue.undecodableTaken - undecodableAtStart;
  const stopping = () =>
    signal?.aborted === true || shouldStop() || taken + failedAtOnce() >= maxTasks;
  const room = () =>
    stopping() ? 0 : Math.min(concurrency - running, maxTasks - taken - failedAtOnce());

  const settle = (task: Task, outcome: Completion['outcome'], value: Buffer) => {
    completions.push({ key: task.key, outcome, value });
    running--;
    wake?.();
  };
  const start = (task: Task) => {
    taken++;
    running++;
    void (async () => {
      let value: Buffer;
      try {
        const ys: unknown = await handler(task);
        if (!isPlainObject(ys)) {
          throw new RushInputError(
            'handler',
            `must return an object (the task's ys), got ${describeValue(ys)}`,
          );
        }
        checkObjectRowNames('the handler result', ys);
        value = ctx.encode(ys, 'the handler result');
      } catch (error) {
        settle(task, 'failed', ctx.encode({ message: errorMessage(error) }, 'condition'));
        return;
      }
      settle(task, 'finished', value);
    })();
  };
  /** Resolves when a handler completes, or after `ms`. */
  const completion = (ms: number) =>
    new Promise<void>((resolve) => {
      if (completions.length > 0) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  for (;;) {
    const batch = completions;
    completions = [];
    const n = room();
    let tasks: Task[] = [];
    if (batch.length > 0) {
      ({ tasks } = await queue.settleAndTake(batch, n, fields));
      processed += batch.length;
    } else if (n > 0) {
      tasks = await queue.take(n, fields, '', false);
    }
    for (const task of tasks) start(task);
    if (running === 0 && completions.length === 0) {
      if (stopping()) return processed + failedAtOnce();
      // Nothing in hand and the queue was empty: block for the next task.
      if (tasks.length === 0)
        for (const task of await queue.waitAndTake(room(), fields, timeout, false)) start(task);
      continue;
    }
    // Handlers are running: wait for one to complete (or look for new tasks when there is
    // room), then let the others that complete in the same turn join the next call.
    await completion(timeout * 1000);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
