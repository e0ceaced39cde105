/**
 * The typed wrappers of the scripts that keep the worker registry and the network itself:
 * registering workers, heartbeats, losing workers and sweeping their tasks, the registry's
 * rows, recovering dead managers' pops, and reset. Re-exported by calls.ts (use it from
 * there).
 */
import type { RushKeys } from '../keys.js';
import { call } from './call.js';
import type { ScriptCall } from './index.js';

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
