/**
 * The task state machine in one place: the states, and every step that moves a task between
 * them, with the method that takes it and the Lua script that makes it atomic. Each move
 * happens only inside its script: a task leaves its source collection and enters its target in
 * one step, so it is always in exactly one state ("first writer wins": a move whose source no
 * longer holds the task does nothing). The README's transition table is this table.
 */
import type { ScriptName } from '../redis/scripts/index.js';
import type { TaskState } from '../types.js';

export const TASK_STATES = ['queued', 'running', 'finished', 'failed'] as const;

/** Where a task is before a step: a state, nowhere yet (created), or a worker's pending list. */
export type TransitionSource = TaskState | 'new' | 'pending';

export interface Transition {
  /** The public method (or the internal step) that takes it. */
  readonly step: string;
  readonly from: readonly TransitionSource[];
  /** The state after the step; `deleted` for reset. */
  readonly to: TaskState | 'pending' | 'deleted';
  readonly script: ScriptName;
}

export const TRANSITIONS: readonly Transition[] = [
  { step: 'pushTasks', from: ['new'], to: 'queued', script: 'push_tasks' },
  { step: 'pushRunningTasks', from: ['new'], to: 'running', script: 'push_tasks' },
  { step: 'pushFinishedTasks', from: ['new'], to: 'finished', script: 'push_tasks' },
  { step: 'pushFailedTasks', from: ['new'], to: 'failed', script: 'push_tasks' },
  { step: 'popTask (blocking wait)', from: ['queued'], to: 'pending', script: 'pop_task' },
  { step: 'popTask / popTasks', from: ['queued', 'pending'], to: 'running', script: 'pop_task' },
  { step: 'finishTasks', from: ['running'], to: 'finished', script: 'finish_tasks' },
  {
    step: 'processTasks (settle, then take the next)',
    from: ['running'],
    to: 'finished',
    script: 'complete_and_pop',
  },
  {
    step: 'processTasks (a handler that throws)',
    from: ['running'],
    to: 'failed',
    script: 'complete_and_pop',
  },
  {
    step: 'processTasks (take the next)',
    from: ['queued', 'pending'],
    to: 'running',
    script: 'complete_and_pop',
  },
  { step: 'failTasks', from: ['running', 'queued'], to: 'failed', script: 'fail_tasks' },
  { step: 'emptyQueue', from: ['queued'], to: 'failed', script: 'empty_queue' },
  {
    step: 'stopWorkers (kill) / detectLostWorkers / a loop that throws',
    from: ['running', 'pending'],
    to: 'failed',
    script: 'lose_workers',
  },
  {
    step: 'the same, when many tasks run: a sweep of the running set, a chunk per call',
    from: ['running'],
    to: 'failed',
    script: 'sweep_lost_tasks',
  },
  {
    step: "detectLostWorkers (a dead manager's pending pop)",
    from: ['pending'],
    to: 'queued',
    script: 'recover_pending',
  },
  {
    step: 'reset',
    from: ['queued', 'running', 'pending', 'finished', 'failed'],
    to: 'deleted',
    script: 'reset',
  },
];

/**
 * The fields that carry a task's state and owner (and the place of its finished record): only
 * the scripts above write them, never `writeHashes`.
 */
export const RESERVED_FIELDS: readonly string[] = ['state', 'worker_id', 'finished_index'];
