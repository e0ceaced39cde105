/**
 * The fields of a task (SPEC §2) and which of them each read returns by default: the one list
 * every module uses, in one order (the order of the finished-records log).
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
];

/** Fields stored as plain UTF-8 strings, not MessagePack. */
export const STRING_FIELDS: ReadonlySet<string> = new Set(['worker_id', 'state']);

/** Object fields kept whole under their name instead of being spread into a row. */
export const WHOLE_FIELDS: ReadonlySet<string> = new Set(['condition', 'worker_id', 'state']);

/** The fields each read method returns when none are given (SPEC §4). */
export const DEFAULT_FIELDS = {
  fetchTasks: ['xs', 'ys', 'xs_extra', 'worker_id', 'ys_extra', 'condition'],
  fetchQueuedTasks: ['xs', 'xs_extra'],
  fetchRunningTasks: ['xs', 'xs_extra', 'worker_id'],
  fetchFailedTasks: ['xs', 'xs_extra', 'worker_id', 'condition'],
  fetchFinishedTasks: ['worker_id', 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition'],
  popTask: ['xs'],
} as const satisfies Record<string, readonly TaskField[]>;
