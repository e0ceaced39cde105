/**
 * The fields of a task (README, "Tasks") and which of them each read returns by default: the
 * one list every module uses, in one order (the order of the finished-records log).
 */
import type { TaskField } from '../types.js';

/** Every stored field of a task, in record order. */
export const TASK_FIELDS: readonly TaskField[] = [
  'xs',
  'ys',
  'xs_extra',
  'ys_extra',
  'condition',
  'worker_id',
  'created_at',
  'started_at',
  'finished_at',
  'tries',
];

/** Fields stored as plain UTF-8 strings, not MessagePack. */
export const STRING_FIELDS: ReadonlySet<string> = new Set(['worker_id', 'state']);

/** Object fields kept whole under their name instead of being spread into a row. */
export const WHOLE_FIELDS: ReadonlySet<string> = new Set(['condition', 'worker_id', 'state']);

/** The timestamps and try count every task of a state has (`tries`: tasks with retries). */
const TIMES = {
  queued: ['created_at', 'tries'],
  running: ['created_at', 'started_at', 'tries'],
  done: ['created_at', 'started_at', 'finished_at', 'tries'],
} as const;

/**
 * The fields each read method returns when none are given (README, "Reading tasks"): the
 * documented ones, then the timestamps a task of that state has (docs/lifecycle.md).
 */
export const DEFAULT_FIELDS = {
  fetchTasks: ['xs', 'ys', 'xs_extra', 'worker_id', 'ys_extra', 'condition', ...TIMES.done],
  fetchQueuedTasks: ['xs', 'xs_extra', ...TIMES.queued],
  fetchRunningTasks: ['xs', 'xs_extra', 'worker_id', ...TIMES.running],
  fetchFailedTasks: ['xs', 'xs_extra', 'worker_id', 'condition', ...TIMES.done],
  fetchFinishedTasks: ['worker_id', 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition', ...TIMES.done],
  popTask: ['xs'],
} as const satisfies Record<string, readonly TaskField[]>;
