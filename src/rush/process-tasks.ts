/**
 * `processTasks`: the queue pattern in one call. Up to `concurrency` handlers run at once; each
 * completed task is settled (finished with the handler's result, or failed with the error it
 * threw) in the same script call that takes the next task, so a task costs one round trip in
 * steady state. Completions that arrive together travel in one call.
 *
 * Each handler gets an AbortSignal that aborts at its `taskTimeout` (the task then fails with a
 * RushTimeoutError condition and its slot is free at once; a late result is discarded) and when
 * its task is cancelled, which the worker learns from the network's control channel (events.ts).
 */
import { describeValue, RushInputError, RushTimeoutError } from '../errors.js';
import type { Completion } from '../redis/scripts/calls.js';
import { DEFAULT_FIELDS } from '../tasks/fields.js';
import type { PoppedTask, ProcessTasksOptions, TaskContext, TaskHandler } from '../types.js';
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
 * What a handler gets besides its task: its `signal`, made when first read (most handlers
 * never read it, and an AbortController per task costs). Aborted before it was read, it is
 * made aborted.
 */
class HandlerContext implements TaskContext {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the context's signal (the first reason wins), read yet or not. */
  static abort(context: HandlerContext, reason: unknown): void {
    if (context.#aborted) return;
    context.#aborted = true;
    context.#reason = reason;
    context.#controller?.abort(reason);
  }
}

/** The longest stack kept in a condition, in UTF-16 code units. */
export const MAX_STACK = 4096;

/** A thrown value as a condition: `{ message, name, stack }` (the stack capped). */
export function errorCondition(error: unknown): { message: string; name?: string; stack?: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const condition: { message: string; name: string; stack?: string } = {
    message: error.message,
    name: error.name,
  };
  if (typeof error.stack === 'string') condition.stack = error.stack.slice(0, MAX_STACK);
  return condition;
}

/** Checks `taskTimeout` (seconds > 0; Infinity: none). */
export function checkTaskTimeout(value: unknown): number | undefined {
  if (value === undefined || value === Number.POSITIVE_INFINITY) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new RushInputError(
      'taskTimeout',
      `must be a number of seconds greater than 0, got ${describeValue(value)}`,
    );
  }
  return checkSeconds('taskTimeout', value);
}

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
    'taskTimeout',
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
  const taskTimeout = checkTaskTimeout(o.taskTimeout);

  let taken = 0;
  let processed = 0;
  let running = 0;
  let completions: Completion[] = [];
  let wake: (() => void) | undefined;
  /** The tasks whose handlers run, by key; a task leaves when it is settled. */
  const inHand = new Map<string, HandlerContext>();
  // Tasks whose data could not be decoded were taken too: the queue failed them at once.
  const undecodableAtStart = queue.undecodableTaken;
  const failedAtOnce = () => queue.undecodableTaken - undecodableAtStart;
  const stopping = () =>
    signal?.aborted === true || shouldStop() || taken + failedAtOnce() >= maxTasks;
  const room = () =>
    stopping() ? 0 : Math.min(concurrency - running, maxTasks - taken - failedAtOnce());

  // Cancelled tasks are failed already: their handlers abort, their slots are free at once.
  // (Without the subscription, say while Redis restarts, a cancelled task's handler runs on and
  // its result is discarded.)
  await ctx.events
    .listen()
    .catch((error: unknown) =>
      ctx.logger.warn(
        { network: ctx.networkId, err: String(error) },
        'processTasks: cannot listen for cancelled tasks; their handlers will not be aborted',
      ),
    );
  const offCancelled = ctx.events.on('cancelled', (keys) => {
    for (const key of keys) {
      const context = inHand.get(key);
      if (!context) continue;
      HandlerContext.abort(context, new DOMException(`task ${key} was cancelled`, 'AbortError'));
      release(key, context);
      processed++;
    }
  });

  /**
   * Frees a task's slot; true when it was still held by `context` (else a late outcome, of
   * this try or of an earlier one of the same key, is discarded).
   */
  const release = (key: string, context: HandlerContext) => {
    if (inHand.get(key) !== context) return false;
    inHand.delete(key);
    running--;
    wake?.();
    return true;
  };
  const settle = (
    task: Task,
    context: HandlerContext,
    outcome: Completion['outcome'],
    value: Buffer,
  ) => {
    if (!release(task.key, context)) return;
    completions.push({ key: task.key, outcome, value });
    wake?.();
  };
  const fail = (task: Task, context: HandlerContext, condition: object) =>
    settle(task, context, 'failed', ctx.encode(condition, 'condition'));
  const run = async (task: Task) => {
    taken++;
    running++;
    const context = new HandlerContext();
    inHand.set(task.key, context);
    const timer =
      taskTimeout === undefined
        ? undefined
        : setTimeout(() => {
            const error = new RushTimeoutError(`the task timed out after ${taskTimeout} s`);
            HandlerContext.abort(context, error);
            fail(task, context, { message: error.message, name: error.name });
          }, taskTimeout * 1000);
    try {
      const ys: unknown = await handler(task, context);
      if (!isPlainObject(ys)) {
        throw new RushInputError(
          'handler',
          `must return an object (the task's ys), got ${describeValue(ys)}`,
        );
      }
      checkObjectRowNames('the handler result', ys);
      settle(task, context, 'finished', ctx.encode(ys, 'the handler result'));
    } catch (error) {
      if (inHand.get(task.key) === context) {
        const condition = errorCondition(error);
        ctx.logger.warn(
          { network: ctx.networkId, key: task.key, err: condition },
          `processTasks: the handler of task ${task.key} threw: ${condition.message}`,
        );
        fail(task, context, condition);
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };
  const start = (task: Task) => void run(task);
  /** Resolves when a handler completes, or after `ms` (Infinity: no timer). */
  const completion = (ms: number) =>
    new Promise<void>((resolve) => {
      if (completions.length > 0) return resolve();
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      function done() {
        if (timer !== undefined) clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  try {
    for (;;) {
      const batch = completions;
      completions = [];
      const n = room();
      let tasks: Task[] = [];
      if (batch.length > 0) {
        tasks = await queue.settleAndTake(batch, n, fields);
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
      // Handlers are running: wait for one to complete (or, when there is room, look for new
      // tasks after `timeout`), then let the others that complete in the same turn join the
      // next call. Every slot taken: only a completion frees one, so no timer.
      await completion(room() > 0 ? timeout * 1000 : Number.POSITIVE_INFINITY);
      if (running > 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    offCancelled();
  }
}
