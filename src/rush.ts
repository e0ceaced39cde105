/**
 * `Rush`: a participant of a rush network, and the public face of the task API. The manager is
 * a `Rush`; every worker is a `RushWorker`, which extends it. This class only connects and
 * delegates: writing tasks (rush/task-writer.ts), the queue (rush/queue.ts), reading and the
 * finished cache (rush/task-reader.ts), waiting (rush/waits.ts) and the manager's side of workers (manager/).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { ReadLogOptions } from './logging/log-reader.js';
import { logger } from './logging/logger.js';
import type { LogRecord } from './logging/redis-log.js';
import { WorkerManager } from './manager/worker-manager.js';
import * as calls from './redis/scripts/calls.js';
import { RushBase, type RushOptions } from './rush/base.js';
import type { Participant } from './rush/context.js';
import { processTasks } from './rush/process-tasks.js';
import { TaskQueue } from './rush/queue.js';
import { TaskReader } from './rush/task-reader.js';
import { TaskWriter } from './rush/task-writer.js';
import { waitForTasks } from './rush/waits.js';
import { runWrite } from './rush/write-path.js';
import { DEFAULT_FIELDS } from './tasks/fields.js';
import { removeLargeObjects, removingFilesOnFailure } from './tasks/large-objects.js';
import type * as T from './types.js';
import { checkBoolean, checkKeys, checkOptions, checkPositiveInteger } from './validate.js';
import type { RushWorker } from './worker.js';
import type { WorkerLoop } from './worker-config/loop.js';
import type * as W from './worker-config/settings.js';

export type { RushOptions };

type Rows<XS extends object, YS extends object> = Promise<T.TaskRow<XS, YS>[]>;
// biome-ignore lint/suspicious/noExplicitAny: a worker of any task types
type AnyWorker = RushWorker<any, any>;
/** A loop's arguments; `[] |` makes `args: [2, 'a']` infer as a tuple, `[number, string]`. */
type LoopArgs = [] | unknown[];
/** `Args`, read only after inference: the loop's arguments are inferred from `args` alone. */
type ArgsOf<Args> = [Args][Args extends unknown ? 0 : never];

const warnedDeprecations = new Set<string>();
/** Task hashes deleted per call after a reset. */
const PURGE_BATCH = 5000;

/**
 * The manager of a rush network, and the base of {@link RushWorker}.
 * @typeParam XS - the shape of task inputs
 * @typeParam YS - the shape of task outputs
 */
export class Rush<
  XS extends object = T.TaskValues,
  YS extends object = T.TaskValues,
> extends RushBase {
  readonly #writer: TaskWriter;
  readonly #queue: TaskQueue;
  readonly #reader: TaskReader;
  readonly #workers: WorkerManager;

  constructor(options?: RushOptions, participant?: Participant) {
    super(options, participant);
    this.#writer = removingFilesOnFailure(new TaskWriter(this.context));
    this.#queue = new TaskQueue(this.context);
    this.#reader = new TaskReader(this.context);
    this.#workers = new WorkerManager(this.context);
  }

  protected override async closeConnections(): Promise<void> {
    await this.#queue.close();
    await super.closeConnections();
  }

  // ---------------------------------------------------------------- creating and moving tasks

  /**
   * Creates queued tasks; they are popped in the order pushed. With `maxRetries`, a failed try
   * goes back to the queue (after `retryDelay`). Returns their keys.
   */
  pushTasks(xss: XS[], options?: T.QueueTasksOptions): Promise<string[]> {
    return this.#writer.push('queued', xss, options);
  }
  /** Creates running tasks owned by this participant. Returns their keys. */
  pushRunningTasks(xss: XS[], options?: T.PushTasksOptions): Promise<string[]> {
    return this.#writer.push('running', xss, options);
  }
  /** Creates finished tasks. Returns their keys. */
  pushFinishedTasks(xss: XS[], yss: YS[], options?: T.PushFinishedTasksOptions): Promise<string[]> {
    return this.#writer.pushFinished(xss, yss, options);
  }
  /** Creates failed tasks. Returns their keys. */
  pushFailedTasks(xss: XS[], options?: T.PushFailedTasksOptions): Promise<string[]> {
    return this.#writer.pushFailed(xss, options);
  }

  /**
   * Takes the next queued task and marks it running, waiting up to `timeout` seconds for one.
   * Atomic: each task goes to exactly one caller. Returns `null` when none came.
   */
  async popTask(options?: T.PopTaskOptions): Promise<T.PoppedTask<XS> | null> {
    const [task] = await this.#queue.pop(1, options);
    return (task as T.PoppedTask<XS> | undefined) ?? null;
  }

  /**
   * Takes up to `n` queued tasks at once and marks them running (one round trip for all),
   * waiting up to `timeout` seconds for the first. Returns `[]` when none came.
   */
  async popTasks(n: number, options?: T.PopTaskOptions): Promise<T.PoppedTask<XS>[]> {
    checkPositiveInteger('n', n);
    return this.#queue.pop(n, options) as Promise<T.PoppedTask<XS>[]>;
  }

  /** The queue loop of `RushWorker.processTasks` (here because it drives this instance's queue). */
  protected runTaskLoop(
    handler: T.TaskHandler<XS, YS>,
    options: T.ProcessTasksOptions | undefined,
    shouldStop: () => boolean,
  ): Promise<number> {
    const loop = handler as unknown as T.TaskHandler<object, object>;
    return processTasks(this.context, this.#queue, loop, options, shouldStop);
  }

  /** Moves running tasks to finished (first writer wins). Returns the keys that moved. */
  finishTasks(keys: string[], yss: YS[], options?: T.FinishTasksOptions): Promise<string[]> {
    return this.#writer.finish(keys, yss, options);
  }
  /**
   * Moves running or queued tasks to failed (first writer wins); a running task with retries
   * left goes back to the queue unless `retry` is false. Returns the keys that moved.
   */
  failTasks(keys: string[], options?: T.FailTasksOptions): Promise<string[]> {
    return this.#writer.fail(keys, options);
  }
  /**
   * Cancels tasks: queued and delayed ones leave the queue, running ones fail at once (the
   * signal of the processTasks handler running one aborts); all are failed with
   * `{ message: 'Cancelled', cancelled: true }` and never retried. Finished and failed tasks
   * are left alone. Returns the keys cancelled (unknown keys are not among them).
   */
  cancelTasks(keys: string[]): Promise<string[]> {
    return this.#writer.cancel(keys);
  }
  /** Whether the task was cancelled: for a popTask loop to stop working on it. */
  async isCancelled(key: string): Promise<boolean> {
    checkKeys('key', [key]);
    return (await this.connector.hget(this.keys.task(key), 'cancelled')) === '1';
  }
  /** Moves queued tasks (all by default) to failed. Returns the keys that moved. */
  emptyQueue(options?: T.EmptyQueueOptions): Promise<string[]> {
    return this.#writer.emptyQueue(options);
  }

  // ---------------------------------------------------------------- reading tasks

  /** All tasks, in creation order. */
  fetchTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchCollection('all', options, DEFAULT_FIELDS.fetchTasks));
  }
  /** Queued tasks, in pop order. */
  fetchQueuedTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(
      this.#reader.fetchCollection('queued', options, DEFAULT_FIELDS.fetchQueuedTasks),
    );
  }
  /** Running tasks. */
  fetchRunningTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(
      this.#reader.fetchCollection('running', options, DEFAULT_FIELDS.fetchRunningTasks),
    );
  }
  /** Failed tasks, with their conditions. */
  fetchFailedTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(
      this.#reader.fetchCollection('failed', options, DEFAULT_FIELDS.fetchFailedTasks),
    );
  }
  /**
   * Finished tasks in finish order. Cached: each call reads from Redis only the tasks that
   * finished since the previous call. The rows are frozen (they are shared with the cache).
   * With `columns: true`, one array per property instead (see TaskColumns), read without
   * making a row per task.
   */
  fetchFinishedTasks(options: T.FetchFinishedOptions & { columns: true }): Promise<T.TaskColumns>;
  // The rows form last: it is what `ReturnType<…>` sees.
  fetchFinishedTasks(options?: T.FetchFinishedOptions & { columns?: false }): Rows<XS, YS>;
  fetchFinishedTasks(
    options?: T.FetchFinishedOptions,
  ): Promise<T.TaskRow<XS, YS>[] | T.TaskColumns> {
    return this.#reader.fetchFinished(options) as Promise<T.TaskRow<XS, YS>[] | T.TaskColumns>;
  }
  /** Finished tasks not returned by an earlier call; with `timeout` (s), waits for one. */
  fetchNewTasks(options?: T.FetchNewTasksOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchNew(options));
  }
  /** Tasks of the given states, each with a `state` property, in one consistent snapshot. */
  fetchTasksWithState(options?: T.FetchWithStateOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchWithState(options));
  }
  /** Empties the finished-task cache; the next fetch reads every finished task again. */
  resetCache(): void {
    this.#reader.resetCache();
  }

  #rows(rows: Promise<T.TaskRow<object, object>[]>): Rows<XS, YS> {
    return rows as Rows<XS, YS>;
  }

  /**
   * Resolves when every task in `keys` is finished or failed, or when no worker is running.
   * @throws RushTimeoutError when `timeout` seconds pass first.
   */
  waitForTasks(keys: string[], options?: T.WaitForTasksOptions): Promise<void> {
    return waitForTasks(this.context, keys, options, () => this.detectLostWorkers());
  }

  // ---------------------------------------------------------------- low-level access

  /**
   * Writes one hash per index of the arrays in `values` (arrays of length 1 are used for every
   * hash; `state` and `worker_id` are refused). Returns the keys written.
   */
  writeHashes(
    values: Record<string, unknown[]>,
    options?: T.WriteHashesOptions,
  ): Promise<string[]> {
    return this.#writer.writeHashes(values, options);
  }
  /** Reads fields of tasks (or hashes from `writeHashes`), flattened unless `flatten` is false. */
  readHashes(
    keys: string[],
    fields: string[],
    options?: T.ReadHashesOptions,
  ): Promise<Record<string, unknown>[]> {
    return this.#reader.readHashes(keys, fields, options);
  }
  /** Reads fields of one task: `{ key, field: value, ... }`, or `null` when it has no data. */
  async readHash(key: string, fields: string[]): Promise<Record<string, unknown> | null> {
    checkKeys('key', [key]);
    const [row] = await this.#reader.readHashes([key], fields, { flatten: false });
    return row ?? null;
  }
  /** For each key, whether the task is running. */
  isRunningTask(keys: string[]): Promise<boolean[]> {
    return this.#reader.isInState('running', keys);
  }
  /** For each key, whether the task failed. */
  isFailedTask(keys: string[]): Promise<boolean[]> {
    return this.#reader.isInState('failed', keys);
  }
  /** Keys by state, for the given states, in one consistent read. */
  tasksWithState(states: T.TaskState[]): Promise<Partial<Record<T.TaskState, string[]>>> {
    return this.#reader.keysByState(states);
  }

  /**
   * Removes the network's data. With `workers` (default) stops the workers and removes every
   * key of the network; without, removes only the tasks. One atomic step for other readers.
   */
  async reset(options?: T.ResetOptions): Promise<void> {
    const o = checkOptions('options', options, ['workers']);
    const workers = checkBoolean('workers', o.workers ?? true);
    if (workers) {
      // Wait until workers reached through their heartbeat are gone: they could write after.
      await this.#workers.stop({ type: 'kill' }, { warnSkipped: false, awaitKills: true });
    }
    // One short atomic step for readers; then the task hashes go a batch per call, so that a
    // large network never holds the server for long (other networks keep working).
    let trash = await runWrite(
      this.context,
      calls.reset(this.keys, { workers, trashId: randomUUID() }),
    );
    while (trash > 0)
      trash = await runWrite(this.context, calls.purgeTrash(this.keys, { budget: PURGE_BATCH }));
    removeLargeObjects(this.largeObjects, { workers });
    this.#reader.resetCache();
    this.#workers.resetLogPositions();
    this.#queue.forgetRegistration();
  }

  // ---------------------------------------------------------------- workers

  /** Local worker processes started by this manager, by worker id. */
  get processes(): ReadonlyMap<string, ChildProcess> {
    return this.#workers.processes;
  }
  /**
   * Starts workers as child processes of this process. Returns their ids.
   * @typeParam Args - the loop's arguments after the worker, as given in `args`
   * @typeParam Worker - the worker the loop receives (annotate the loop's first parameter to
   * give it task types, e.g. `RushWorker<{ x: number }, { y: number }>`)
   */
  startLocalWorkers<
    Args extends LoopArgs = unknown[],
    Worker extends AnyWorker = RushWorker<XS, YS>,
  >(
    workerLoop: WorkerLoop<ArgsOf<Args>, Worker>,
    options?: W.StartLocalWorkersOptions<Args>,
  ): Promise<string[]> {
    return this.#workers.start(workerLoop, options, { launcherAllowed: false });
  }
  /**
   * Starts workers through a launcher (by default local processes). Returns their ids.
   * @typeParam Args - the loop's arguments after the worker, as given in `args`
   * @typeParam Worker - the worker the loop receives
   */
  startWorkers<Args extends LoopArgs = unknown[], Worker extends AnyWorker = RushWorker<XS, YS>>(
    workerLoop: WorkerLoop<ArgsOf<Args>, Worker>,
    options?: W.StartWorkersOptions<Args>,
  ): Promise<string[]> {
    return this.#workers.start(workerLoop, options, { launcherAllowed: true });
  }
  /**
   * A shell command that starts one worker of this network each time it runs.
   * @typeParam Args - the loop's arguments after the worker, as given in `args`
   * @typeParam Worker - the worker the loop receives
   */
  workerScript<Args extends LoopArgs = unknown[], Worker extends AnyWorker = RushWorker<XS, YS>>(
    workerLoop: WorkerLoop<ArgsOf<Args>, Worker>,
    options?: W.WorkerScriptOptions<Args>,
  ): Promise<string> {
    return this.#workers.script(workerLoop, options);
  }
  /** Resolves when `n` workers (or all of `workerIds`) are registered. */
  waitForWorkers(options: W.WaitForWorkersOptions): Promise<void> {
    return this.#workers.waitFor(options);
  }
  /** `kill` stops workers at once and fails their tasks; `terminate` asks their loops to end. */
  stopWorkers(options?: W.StopWorkersOptions): Promise<string[]> {
    return this.#workers.stop(options);
  }
  /** Finds workers lost since the last call (exited processes, expired heartbeats). */
  detectLostWorkers(): Promise<string[]> {
    return this.#workers.detectLost();
  }
  /** Log records of the workers, sorted by time. */
  readLog(options?: ReadLogOptions): Promise<LogRecord[]> {
    return this.#workers.readLog(options);
  }
  /** Prints the worker log records not printed before. */
  printLog(): Promise<void> {
    return this.#workers.printLog();
  }

  // ---------------------------------------------------------------- deprecated aliases

  /** @deprecated Use {@link finishTasks}. */
  pushResults(keys: string[], yss: YS[], options?: T.FinishTasksOptions): Promise<string[]> {
    deprecated('pushResults', 'finishTasks');
    return this.finishTasks(keys, yss, options);
  }
  /** @deprecated Use {@link failTasks}. */
  pushFailed(keys: string[], options?: T.FailTasksOptions): Promise<string[]> {
    deprecated('pushFailed', 'failTasks');
    return this.failTasks(keys, options);
  }
  /** @deprecated Use {@link startWorkers}. */
  startRemoteWorkers<
    Args extends LoopArgs = unknown[],
    Worker extends AnyWorker = RushWorker<XS, YS>,
  >(
    workerLoop: WorkerLoop<ArgsOf<Args>, Worker>,
    options?: W.StartWorkersOptions<Args>,
  ): Promise<string[]> {
    deprecated('startRemoteWorkers', 'startWorkers');
    return this.startWorkers(workerLoop, options);
  }
}

/** Creates a manager and checks that Redis answers. */
export async function rsh<XS extends object = T.TaskValues, YS extends object = T.TaskValues>(
  options?: RushOptions,
): Promise<Rush<XS, YS>> {
  return new Rush<XS, YS>(options).connect();
}

function deprecated(name: string, replacement: string): void {
  if (warnedDeprecations.has(name)) return;
  warnedDeprecations.add(name);
  logger.warn(`${name}() is deprecated: use ${replacement}()`);
}
