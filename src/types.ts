/**
 * Public types of tasks, rows and the options of the task API.
 */
import type { TaskState } from './tasks/states.js';

/** The state of a task. Each task is in exactly one (the states of the transition table). */
export type { TaskState };

/** The state of a worker. */
export type WorkerState = 'running' | 'terminated';

/** Why a task failed. */
export interface Condition {
  message: string;
  [detail: string]: unknown;
}

/** The stored fields of a task. Custom fields written with `writeHashes` may sit beside them. */
export type TaskField =
  | 'xs'
  | 'ys'
  | 'xs_extra'
  | 'ys_extra'
  | 'condition'
  | 'worker_id'
  | 'created_at'
  | 'started_at'
  | 'finished_at'
  | 'tries';

/** Plain data: what xs, ys and extras are made of. */
export type TaskValues = Record<string, unknown>;

/**
 * One task as a row of a table: `key`, the properties of its input `xs` and output `ys` (and
 * of the extras), plus `worker_id`, `condition` and `state` where requested.
 * Rows returned from the finished-task cache are frozen (they are shared with the cache).
 */
export type TaskRow<XS extends object = TaskValues, YS extends object = TaskValues> = {
  key: string;
  worker_id?: string;
  condition?: Condition;
  state?: TaskState;
  /** When the task was created (ms since the epoch, the Redis server's clock). */
  created_at?: number;
  /** When its latest try started (moved to running). */
  started_at?: number;
  /** When it moved to finished or failed. */
  finished_at?: number;
  /** Runs started, for a task pushed with retries. */
  tries?: number;
} & Partial<XS> &
  Partial<YS> & { [column: string]: unknown };

/** A task taken from the queue by `popTask`, with the requested fields. */
export interface PoppedTask<XS extends object = TaskValues> {
  key: string;
  xs: XS;
  xs_extra?: TaskValues;
  worker_id?: string;
  [field: string]: unknown;
}

/** Worker and task counts of a network, read in one consistent step ({@link Rush.counts}). */
export interface NetworkCounts {
  runningWorkers: number;
  terminatedWorkers: number;
  queued: number;
  running: number;
  finished: number;
  failed: number;
}

/** A worker as listed by `workerInfo()`. */
export interface WorkerInfo {
  worker_id: string;
  pid: number;
  hostname: string;
  /** Whether the worker keeps a heartbeat. */
  heartbeat: boolean;
  state: WorkerState;
}

/** Options of `pushTasks` and `pushRunningTasks`. */
export interface PushTasksOptions {
  /** Metadata stored with each task: one object per task, or one for all. */
  xssExtra?: TaskValues[];
}

/**
 * Exponential backoff between tries: the n-th retry waits `initial * factor^(n-1)` seconds, at
 * most `max`.
 */
export interface RetryBackoff {
  /** Seconds before the first retry. */
  initial: number;
  /** @default 2 */
  factor?: number;
  /** The longest wait, in seconds. @default no limit */
  max?: number;
}

export interface QueueTasksOptions extends PushTasksOptions {
  /**
   * How many times a failed try is run again (an integer from 0 to 1000): a task with retries
   * left that fails goes back to the queue instead of to failed. @default 0
   */
  maxRetries?: number;
  /** Seconds before a retry joins the queue, or an exponential backoff. @default 0 */
  retryDelay?: number | RetryBackoff;
}

/** Options of `pushFinishedTasks`. */
export interface PushFinishedTasksOptions extends PushTasksOptions {
  /** Metadata stored with each result: one object per task, or one for all. */
  yssExtra?: TaskValues[];
}

/** Options of `pushFailedTasks`. */
export interface PushFailedTasksOptions extends PushTasksOptions {
  /** One condition per task, or one for all. @default [{ message: 'Task failed' }] */
  conditions?: Condition[];
}

/** Options of `popTask` and `popTasks`. */
export interface PopTaskOptions {
  /** Seconds to wait for a task when the queue is empty. @default 1 */
  timeout?: number;
  /** Fields to return with the task. @default ['xs'] */
  fields?: string[];
}

/** Options of `RushWorker.processTasks`. */
export interface ProcessTasksOptions extends PopTaskOptions {
  /** Tasks handled at once. @default 1 */
  concurrency?: number;
  /** Resolve after this many tasks. @default no limit */
  maxTasks?: number;
  /** Resolve when this signal aborts (the tasks in hand are settled first). */
  signal?: AbortSignal;
  /**
   * Seconds a handler may take: then its `signal` aborts, the task fails with
   * `{ message, name: 'RushTimeoutError' }` (retries apply), its slot is free again and a
   * result that arrives later is discarded. @default no limit
   */
  taskTimeout?: number;
}

/** What `processTasks` hands a handler besides its task. */
export interface TaskContext {
  /**
   * Aborts when the task's `taskTimeout` passes or the task is cancelled (`cancelTasks`); the
   * handler should stop its work then (its result would be discarded).
   */
  signal: AbortSignal;
}

/** Handles one task of `processTasks`: returns its result (`ys`), or throws to fail it. */
export type TaskHandler<XS extends object = TaskValues, YS extends object = TaskValues> = (
  task: PoppedTask<XS>,
  context: TaskContext,
) => YS | Promise<YS>;

/** Options of `finishTasks`. */
export interface FinishTasksOptions {
  /** Metadata stored with each result: one object per task, or one for all. */
  yssExtra?: TaskValues[];
}

/** Options of `failTasks`. */
export interface FailTasksOptions {
  /** One condition per task, or one for all. @default [{ message: 'Task failed' }] */
  conditions?: Condition[];
  /**
   * A running task with retries left goes back to the queue; `false` fails it for good.
   * @default true
   */
  retry?: boolean;
}

/** Options of `emptyQueue`. */
export interface EmptyQueueOptions {
  /** Keys of queued tasks to move. @default all queued tasks */
  keys?: string[];
  /** The condition stored with them (the first is used). @default [{ message: 'Removed from queue' }] */
  conditions?: Condition[];
}

/** Options of the fetch methods. */
export interface FetchOptions {
  /** Fields to read; see each method for its default. */
  fields?: string[];
}

/** Options of `fetchFinishedTasks`. */
export interface FetchFinishedOptions extends FetchOptions {
  /** Return the tasks as columns ({@link TaskColumns}) instead of rows. @default false */
  columns?: boolean;
}

/**
 * Finished tasks as columns (`fetchFinishedTasks({ columns: true })`): `key` and one column
 * per row property, each as long as `key`, in finish order. A column is a `Float64Array` when
 * every value in it is a number (`NaN` where a task has none), else an array (`undefined` where
 * a task has none). The arrays are the caller's own: changing them changes no later result.
 */
export type TaskColumns = { key: string[] } & Record<string, Float64Array | unknown[]>;

/** Options of `fetchTasksWithState`. */
export interface FetchWithStateOptions extends FetchOptions {
  /** @default ['queued', 'running', 'finished', 'failed'] */
  states?: TaskState[];
}

/** Options of `fetchNewTasks`. */
export interface FetchNewTasksOptions extends FetchOptions {
  /** Seconds to wait for at least one newly finished task. @default 0 */
  timeout?: number;
}

/** Options of `waitForTasks`. */
export interface WaitForTasksOptions {
  /** Run `detectLostWorkers()` while waiting. @default false */
  detectLostWorkers?: boolean;
  /** Seconds. @default Infinity */
  timeout?: number;
  /** Show progress on stderr when it is a terminal. @default false */
  progress?: boolean;
}

/** Options of `writeHashes`. */
export interface WriteHashesOptions {
  /** Task keys to write to. @default new keys */
  keys?: string[];
}

/** Options of `readHashes`. */
export interface ReadHashesOptions {
  /** Spread object fields into the row. @default true */
  flatten?: boolean;
}

/** Options of `reset`. */
export interface ResetOptions {
  /** Kill the workers and remove every key of the network; `false` removes only task data. @default true */
  workers?: boolean;
}
