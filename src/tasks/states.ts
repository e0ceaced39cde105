/**
 * The task state machine in one place, and the one truth about it: the states, where a task
 * sits in Redis in each, and every move between them with what performs it (a Lua script, or
 * the blocking pop's `BLMOVE`) and what it writes. Each move happens only inside what performs
 * it: a task leaves its source and enters its target in one atomic step, so it is always in
 * exactly one place ("first writer wins": a move whose source no longer holds the task does
 * nothing). `TaskState` derives from this table, docs/lifecycle.md prints `transitionTable()`,
 * and test/integration/transitions.test.ts performs every row against a real Redis. Adding a
 * move means adding a row here.
 */
import type { ScriptName } from '../redis/scripts/index.js';

/** Every state a task can be in, as the API reports it (`TaskState` is one of these). */
export const TASK_STATES = ['queued', 'running', 'finished', 'failed'] as const;

/** The state of a task. Each task is in exactly one. */
export type TaskState = (typeof TASK_STATES)[number];

/**
 * Where a task's key sits in Redis, and the state the API reports for it. `pending`: a
 * blocking pop moved the task into its caller's pending list and has not yet marked it
 * running; the API reports it as queued by its hash, in no collection, until the claim that
 * follows in the same call of the popper (or lost-worker detection) moves it on.
 */
export const PLACES = {
  queue: { state: 'queued', holds: 'the queue (list, popped from the head)' },
  delayed: { state: 'queued', holds: 'the delayed set (sorted set, by due time)' },
  pending: { state: undefined, holds: "a popper's pending list" },
  running: { state: 'running', holds: 'the running set' },
  finished: { state: 'finished', holds: 'the finished list (its values: only in its record)' },
  failed: { state: 'failed', holds: 'the failed set' },
} as const satisfies Record<string, { state: TaskState | undefined; holds: string }>;

export type Place = keyof typeof PLACES;
/** A source or target of a move: a place, nowhere yet, or gone. */
export type Endpoint = Place | 'new' | 'deleted';

export interface Transition {
  /** What a user does (or what happens) to take it. */
  readonly step: string;
  readonly from: readonly Endpoint[];
  readonly to: Endpoint;
  /** What performs the move atomically: a Lua script, or the blocking pop's `BLMOVE`. */
  readonly by: ScriptName | 'BLMOVE';
  /** The hash's `state` after the move (`queued` while pending; none once deleted). */
  readonly hashState: TaskState | undefined;
  /**
   * The task fields the move writes besides `state` (timestamps from the server's clock); in
   * parentheses, what it writes for tasks with retries only.
   */
  readonly writes: string;
}

const RETRY = 'condition (+ history), ran_by';
/**
 * A finish appends the task's record (its values with ys) to the log and rebuilds the hash
 * without the values: they are stored once, in the record.
 */
const FINISH = 'finished_at, finished_index';

export const TRANSITIONS: readonly Transition[] = [
  row('pushTasks', ['new'], 'queue', 'push_tasks', 'created_at (+ retry, tries: 0)'),
  row('pushRunningTasks', ['new'], 'running', 'push_tasks', 'created_at, started_at, worker_id'),
  row(
    'pushFinishedTasks',
    ['new'],
    'finished',
    'push_tasks',
    'created_at, started_at, finished_at, finished_index',
  ),
  row('pushFailedTasks', ['new'], 'failed', 'push_tasks', 'created_at, finished_at, condition'),
  row('popTask / processTasks waiting on an empty queue', ['queue'], 'pending', 'BLMOVE', ''),
  row(
    'popTask / popTasks (a pending claim first)',
    ['pending', 'queue'],
    'running',
    'pop_task',
    'started_at, worker_id (+ tries + 1)',
  ),
  row(
    'a pop by a worker no longer running gives its claim back',
    ['pending'],
    'queue',
    'pop_task',
    '',
  ),
  row(
    'a pop once a retry is due: due tasks join the back of the queue first',
    ['delayed'],
    'queue',
    'pop_task',
    '',
  ),
  row(
    'processTasks: settle, then take the next',
    ['pending', 'queue'],
    'running',
    'complete_and_pop',
    'started_at, worker_id (+ tries + 1)',
  ),
  row('finishTasks', ['running'], 'finished', 'finish_tasks', FINISH),
  row('processTasks: the handler returns', ['running'], 'finished', 'complete_and_pop', FINISH),
  row(
    'processTasks: the handler throws or times out, no retries left',
    ['running'],
    'failed',
    'complete_and_pop',
    'condition, finished_at',
  ),
  row(
    'processTasks: the handler throws or times out, retries left',
    ['running'],
    'queue',
    'complete_and_pop',
    RETRY,
  ),
  row(
    'failTasks (no retries left, or retry: false)',
    ['running', 'queue', 'delayed'],
    'failed',
    'fail_tasks',
    'condition, finished_at',
  ),
  row('failTasks, retries left, no retryDelay', ['running'], 'queue', 'fail_tasks', RETRY),
  row('failTasks, retries left, with retryDelay', ['running'], 'delayed', 'fail_tasks', RETRY),
  row('emptyQueue', ['queue', 'delayed'], 'failed', 'empty_queue', 'condition, finished_at'),
  row(
    'cancelTasks',
    ['queue', 'delayed', 'pending', 'running'],
    'failed',
    'cancel_tasks',
    'condition, finished_at, cancelled',
  ),
  row(
    'stopWorkers (kill) / detectLostWorkers / a loop that throws or ends holding tasks, no retries left',
    ['running', 'pending'],
    'failed',
    'lose_workers',
    'condition, finished_at',
  ),
  row('the same, retries left', ['running', 'pending'], 'queue', 'lose_workers', RETRY),
  row(
    'the same when many tasks run: a sweep of the running set, a chunk per call',
    ['running'],
    'failed',
    'sweep_lost_tasks',
    'condition, finished_at',
  ),
  row(
    "detectLostWorkers: a dead manager's pending pop",
    ['pending'],
    'queue',
    'recover_pending',
    '',
  ),
  row(
    'reset',
    ['queue', 'delayed', 'pending', 'running', 'finished', 'failed'],
    'deleted',
    'reset',
    '',
  ),
];

function row(
  step: string,
  from: Endpoint[],
  to: Endpoint,
  by: ScriptName | 'BLMOVE',
  writes: string,
): Transition {
  const hashState = to === 'deleted' || to === 'new' ? undefined : (PLACES[to].state ?? 'queued');
  return { step, from, to, by, hashState, writes };
}

/** The table as markdown, as docs/lifecycle.md prints it. */
export function transitionTable(): string {
  const lines = ['| Step | From | To | Performed by | Writes |', '| --- | --- | --- | --- | --- |'];
  for (const t of TRANSITIONS) {
    const by = t.by === 'BLMOVE' ? '`BLMOVE`' : `\`${t.by}.lua\``;
    const state = t.hashState === undefined ? 'the hash deleted' : `state: ${t.hashState}`;
    const writes = t.writes === '' ? state : `${state}; ${t.writes}`;
    lines.push(`| ${t.step} | ${t.from.join(', ')} | ${t.to} | ${by} | ${writes} |`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The fields that carry a task's state, owner, timestamps and retry bookkeeping (and the place
 * of its finished record): only the scripts above write them, never `writeHashes`.
 */
export const RESERVED_FIELDS: readonly string[] = [
  'state',
  'worker_id',
  'finished_index',
  'created_at',
  'started_at',
  'finished_at',
  'tries',
  'retry',
  'history',
  'ran_by',
  'requeued_by',
  'cancelled',
];
