/**
 * One typed wrapper per Lua script: named arguments in, a `ScriptCall` with the script's KEYS
 * and ARGV out (run it with `runScript`, or queue it on a pipeline). The key names come from
 * `RushKeys` only; the order of KEYS is the one each script declares (`--- @keys`, checked by
 * test/unit/lua-contracts.test.ts) and the argument order matches its contract header. This
 * file holds the task scripts; the worker registry's and the network's (workers, heartbeats,
 * lost workers, reset) are in worker-calls.ts, re-exported here.
 */
import type { RushKeys } from '../keys.js';
import { call } from './call.js';
import type { ScriptArg, ScriptCall } from './index.js';

export * from './worker-calls.js';

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
  return call('complete_and_pop', completeAndPopKeys(k, a.popperId), args, true);
}

/** complete_and_pop's KEYS by network and popper: the same for every task, so made once. */
const COMPLETE_AND_POP_KEYS = new WeakMap<RushKeys, Map<string, readonly string[]>>();

function completeAndPopKeys(k: RushKeys, popperId: string): readonly string[] {
  let byPopper = COMPLETE_AND_POP_KEYS.get(k);
  if (!byPopper) {
    byPopper = new Map();
    COMPLETE_AND_POP_KEYS.set(k, byPopper);
  }
  let keys = byPopper.get(popperId);
  if (!keys) {
    keys = [
      k.running,
      k.finished,
      k.finishedRecords,
      k.failed,
      k.pending(popperId),
      k.queued,
      k.lastPop(popperId),
      k.runningWorkers,
      k.delayed,
    ];
    byPopper.set(popperId, keys);
  }
  return keys;
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
      [k.tasks, k.finishedRecords],
      ['keys', k.taskPrefix, 0, -1, a.fieldKinds, ...a.fields, ...a.keys],
      true,
    );
  }
  return call(
    'read_collection',
    [a.collection, k.finishedRecords],
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
    [k.tasks, k.finishedRecords],
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
