/**
 * One typed wrapper per Lua script: named arguments in, a `ScriptCall` with the script's KEYS
 * and ARGV out (run it with `runScript`, or queue it on a pipeline). The key names come from
 * `RushKeys` only; the argument order matches each script's contract header.
 */
import type { RushKeys } from '../keys.js';
import type { ScriptArg, ScriptCall, ScriptName } from './index.js';

const asIs = <R>(raw: unknown) => raw as R;

function call<R>(
  script: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
  binary = false,
  parse: (raw: unknown) => R = asIs,
): ScriptCall<R> {
  return { script, keys, args, binary, parse };
}

/** The states a task can be created in, with the collection that holds each. */
export type CreatedState = 'queued' | 'running' | 'finished' | 'failed';

/**
 * Creates tasks (`push_tasks.lua`). `tasks` is flat: per task, its key and one encoded value
 * per field. Returns how many were created (a resent call creates none).
 */
export function pushTasks(
  k: RushKeys,
  a: {
    state: CreatedState;
    workerId: string;
    fields: readonly string[];
    tasks: ScriptArg[];
    /** The retry policy string of tasks with retries (see _fail_task.lua); '' for none. */
    retry?: string;
  },
): ScriptCall<number> {
  return call(
    'push_tasks',
    [k.tasks, k.ofState(a.state), k.finishedRecords],
    [
      k.taskPrefix,
      a.state,
      a.workerId,
      k.events,
      a.retry ?? '',
      a.fields.length,
      ...a.fields,
      ...a.tasks,
    ],
  );
}

/**
 * Takes up to `count` tasks for `popperId` and marks them running (`pop_task.lua`); `claim` is
 * a key a blocking pop moved into the pending list. Raw reply: key then field values per task,
 * or, when none was taken, the milliseconds until the earliest delayed task is due (-1: none).
 */
export function popTask(
  k: RushKeys,
  a: {
    popperId: string;
    workerId: string;
    claim: string;
    count: number;
    request: string;
    fields: readonly string[];
  },
): ScriptCall<(Buffer | null)[] | number> {
  return call(
    'pop_task',
    [
      k.pending(a.popperId),
      k.queued,
      k.running,
      k.lastPop(a.popperId),
      k.runningWorkers,
      k.delayed,
    ],
    [k.taskPrefix, a.workerId, a.claim, a.count, a.request, ...a.fields],
    true,
  );
}

/** A task a worker completed: finished with its result, or failed with its condition. */
export interface Completion {
  key: string;
  outcome: 'finished' | 'failed';
  /** The encoded ys (finished) or condition (failed). */
  value: Buffer;
  ysExtra?: Buffer;
}

/**
 * Settles completed tasks and takes up to `count` more in one step (`complete_and_pop.lua`).
 * Raw reply: the settled keys, key and field values per task taken, and (none taken) the
 * milliseconds until the earliest delayed task is due (-1: none).
 */
export function completeAndPop(
  k: RushKeys,
  a: {
    popperId: string;
    workerId: string;
    completions: readonly Completion[];
    count: number;
    request: string;
    fields: readonly string[];
  },
): ScriptCall<[Buffer[], (Buffer | null)[], number]> {
  const args: ScriptArg[] = [
    k.taskPrefix,
    k.events,
    a.workerId,
    a.count,
    a.request,
    a.completions.length,
    a.fields.length,
    ...a.fields,
  ];
  for (const c of a.completions) {
    args.push(c.key, c.outcome === 'finished' ? 'f' : 'x', c.value, c.ysExtra ?? '');
  }
  return call(
    'complete_and_pop',
    [
      k.running,
      k.finished,
      k.finishedRecords,
      k.failed,
      k.pending(a.popperId),
      k.queued,
      k.lastPop(a.popperId),
      k.runningWorkers,
      k.delayed,
    ],
    args,
    true,
  );
}

/**
 * Moves running tasks to finished (`finish_tasks.lua`). `tasks`: key, ys, ys_extra per task;
 * `caller`: the caller's worker id ('' for a manager).
 */
export function finishTasks(k: RushKeys, caller: string, tasks: ScriptArg[]): ScriptCall<string[]> {
  return call(
    'finish_tasks',
    [k.running, k.finished, k.finishedRecords],
    [k.taskPrefix, k.events, caller, ...tasks],
  );
}

/**
 * Fails running, queued or delayed tasks (`fail_tasks.lua`); with `retry`, running ones with
 * retries left go back to the queue. `tasks`: key, condition pairs.
 */
export function failTasks(
  k: RushKeys,
  a: { caller: string; retry: boolean; request: string; tasks: ScriptArg[] },
): ScriptCall<string[]> {
  return call(
    'fail_tasks',
    [k.running, k.queued, k.failed, k.delayed],
    [k.taskPrefix, k.events, a.caller, a.retry ? '1' : '0', a.request, ...a.tasks],
  );
}

/** The number of queued tasks, delayed ones included (`queued_count.lua`). */
export function queuedCount(k: RushKeys): ScriptCall<number> {
  return call('queued_count', [k.queued, k.delayed], []);
}

/** Cancels tasks (`cancel_tasks.lua`). Returns the keys cancelled. */
export function cancelTasks(
  k: RushKeys,
  a: { condition: ScriptArg; keys: readonly string[] },
): ScriptCall<string[]> {
  return call(
    'cancel_tasks',
    [k.queued, k.delayed, k.running, k.failed, k.poppers],
    [k.taskPrefix, k.events, k.pendingPrefix, a.condition, ...a.keys],
  );
}

/**
 * Moves queued tasks to failed (`empty_queue.lua`): the given key/condition pairs, or the whole
 * queue with `wholeQueueCondition` when `tasks` is empty.
 */
export function emptyQueue(
  k: RushKeys,
  a: { wholeQueueCondition: ScriptArg; tasks: ScriptArg[] },
): ScriptCall<string[]> {
  return call(
    'empty_queue',
    [k.queued, k.failed, k.delayed],
    [k.taskPrefix, k.events, a.wholeQueueCondition, ...a.tasks],
  );
}

/**
 * Reads fields of tasks as one MessagePack document (`read_collection.lua`): a range of a list,
 * or the given keys (a chunk of a snapshot taken with a plain LRANGE or SMEMBERS).
 */
export function readCollection(
  k: RushKeys,
  a: { fieldKinds: string; fields: readonly string[] } & (
    | { kind: 'list'; collection: string; from: number; to: number }
    | { kind: 'keys'; keys: readonly string[] }
  ),
): ScriptCall<Buffer> {
  if (a.kind === 'keys') {
    return call(
      'read_collection',
      [k.tasks],
      ['keys', k.taskPrefix, 0, -1, a.fieldKinds, ...a.fields, ...a.keys],
      true,
    );
  }
  return call(
    'read_collection',
    [a.collection],
    ['list', k.taskPrefix, a.from, a.to, a.fieldKinds, ...a.fields],
    true,
  );
}

/** Keys among finished[from..to] whose hash vanished (`vanished_finished.lua`). */
export function vanishedFinished(
  k: RushKeys,
  a: { from: number; to: number },
): ScriptCall<string[]> {
  return call('vanished_finished', [k.finished], [k.taskPrefix, a.from, a.to]);
}

/** Reads fields of hashes (`read_hashes.lua`). Raw reply: exists flag then values per key. */
export function readHashes(
  k: RushKeys,
  a: { fields: readonly string[]; keys: readonly string[] },
): ScriptCall<(Buffer | number | null)[]> {
  return call(
    'read_hashes',
    [k.tasks],
    [k.taskPrefix, a.fields.length, ...a.fields, ...a.keys],
    true,
  );
}

/** Writes fields of hashes (`write_hashes.lua`). `hashes`: key then values, per hash. */
export function writeHashes(
  k: RushKeys,
  a: { fields: readonly string[]; hashes: ScriptArg[] },
): ScriptCall<number> {
  return call(
    'write_hashes',
    [k.extraHashes, k.finishedRecords],
    [k.taskPrefix, a.fields.length, ...a.fields, ...a.hashes],
  );
}

/** How many of `keys` are not finished or failed, and how many workers run (`wait_status.lua`). */
export function waitStatus(
  k: RushKeys,
  keys: readonly string[],
): ScriptCall<{ open: number; runningWorkers: number }> {
  return call('wait_status', [k.runningWorkers], [k.taskPrefix, ...keys], false, (raw) => {
    const [open, runningWorkers] = raw as [number, number];
    return { open, runningWorkers };
  });
}

/** Registers a worker as running (`register_worker.lua`). */
export function registerWorker(
  k: RushKeys,
  a: {
    workerId: string;
    now: number;
    heartbeatExpire: number | undefined;
    info: Record<string, string | number>;
  },
): ScriptCall<number> {
  return call(
    'register_worker',
    [
      k.workers,
      k.runningWorkers,
      k.terminatedWorkers,
      k.worker(a.workerId),
      k.poppers,
      k.heartbeat(a.workerId),
    ],
    [a.workerId, a.now, a.heartbeatExpire ?? '', k.events, ...Object.entries(a.info).flat()],
  );
}

/**
 * Moves workers to terminated and fails their pending tasks with `condition`, and their running
 * tasks when at most `sweepLimit` tasks are running (no limit when omitted: the whole running
 * set in this one call); else it notes them in the lost-sweep hash for {@link sweepLostTasks}
 * (`lose_workers.lua`). With `expiredHeartbeats`, also takes every running worker whose
 * heartbeat expired. Returns the ids that moved.
 */
export function loseWorkers(
  k: RushKeys,
  a: {
    workerIds: readonly string[];
    condition: Buffer;
    expiredHeartbeats: boolean;
    sweepLimit?: number;
  },
): ScriptCall<string[]> {
  return call(
    'lose_workers',
    [k.runningWorkers, k.terminatedWorkers, k.running, k.failed, k.lostSweep, k.queued, k.delayed],
    [
      k.taskPrefix,
      k.workerPrefix,
      k.heartbeatPrefix,
      k.pendingPrefix,
      k.events,
      a.condition,
      a.expiredHeartbeats ? '1' : '0',
      a.sweepLimit ?? '',
      ...a.workerIds,
    ],
  );
}

/**
 * Fails those of `keys` (a chunk of the running set) whose owner is in the lost-sweep hash
 * (`sweep_lost_tasks.lua`). Returns how many it failed.
 */
export function sweepLostTasks(k: RushKeys, keys: readonly string[]): ScriptCall<number> {
  return call(
    'sweep_lost_tasks',
    [k.running, k.failed, k.lostSweep, k.runningWorkers, k.queued, k.delayed],
    [k.taskPrefix, k.events, ...keys],
  );
}

/** A row of the worker registry as `worker_info.lua` returns it. */
export interface WorkerInfoRow {
  workerId: string;
  running: boolean;
  pid: number;
  hostname: string;
  heartbeat: boolean;
}

/** Reads the worker registry in registration order (`worker_info.lua`). */
export function workerInfo(k: RushKeys): ScriptCall<WorkerInfoRow[]> {
  return call('worker_info', [k.workers, k.runningWorkers], [k.workerPrefix], false, (raw) => {
    const reply = raw as (string | number | null)[];
    const rows: WorkerInfoRow[] = [];
    for (let i = 0; i < reply.length; i += 5) {
      rows.push({
        workerId: String(reply[i]),
        running: reply[i + 1] === 1,
        pid: Number(reply[i + 2]),
        hostname: String(reply[i + 3] ?? ''),
        heartbeat: reply[i + 4] === '1',
      });
    }
    return rows;
  });
}

/** Puts tasks stranded in dead managers' pending lists back in the queue (`recover_pending.lua`). */
export function recoverPending(k: RushKeys, a: { managerPrefix: string }): ScriptCall<number> {
  return call('recover_pending', [k.poppers, k.queued], [k.pendingPrefix, a.managerPrefix]);
}

/**
 * Deletes the network's tasks, and with `workers` every key of the network (`reset.lua`), in
 * one short atomic step: task hashes go to the trash, for {@link purgeTrash}. Returns the
 * number of trash entries left.
 */
export function reset(k: RushKeys, a: { workers: boolean; trashId: string }): ScriptCall<number> {
  const taskKeys = [
    k.queued,
    k.delayed,
    k.running,
    k.finished,
    k.failed,
    k.finishedRecords,
    k.lostSweep,
  ];
  return call(
    'reset',
    [
      k.tasks,
      k.extraHashes,
      k.poppers,
      k.workers,
      k.trash,
      ...taskKeys,
      ...(a.workers ? k.workerRegistry.filter((key) => key !== k.workers) : []),
    ],
    [
      k.pendingPrefix,
      k.lastPopPrefix,
      a.workers ? '1' : '0',
      k.trashPrefix(a.trashId),
      ...k.perWorkerPrefixes,
    ],
  );
}

/** Deletes up to `budget` trashed task hashes (`purge_trash.lua`). Returns the entries left. */
export function purgeTrash(k: RushKeys, a: { budget: number }): ScriptCall<number> {
  return call('purge_trash', [k.trash], [k.taskPrefix, a.budget]);
}

/**
 * Refreshes a worker's heartbeat key while the worker is registered as running
 * (`heartbeat.lua`; the sentinel thread sends the same source with EVAL). 1 when refreshed.
 */
export function heartbeat(
  k: RushKeys,
  a: { workerId: string; expire: number },
): ScriptCall<number> {
  return call('heartbeat', [k.runningWorkers, k.heartbeat(a.workerId)], [a.workerId, a.expire]);
}
