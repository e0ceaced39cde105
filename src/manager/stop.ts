/**
 * Stopping workers and finding lost ones. A kill reaches a worker through its launcher, else
 * through its heartbeat (a flag its watch thread obeys); then one script moves the workers
 * to terminated and fails their pending tasks, and their running tasks either in the same
 * script (few running tasks) or in a sweep of the running set a chunk per call (many). rushnet
 * never signals a pid read from Redis.
 */
import { describeValue, RushInputError } from '../errors.js';
import * as calls from '../redis/scripts/calls.js';
import { unwrap } from '../redis/scripts/index.js';
import { MANAGER_ID_PREFIX } from '../rush/context.js';
import { SWEEP_CHUNK, sweepLostTasks } from '../rush/lost-sweep.js';
import { runWrite } from '../rush/write-path.js';
import { encodeValue } from '../tasks/codec.js';
import { checkKeys, checkOptions } from '../validate.js';
import type { StopWorkersOptions } from '../worker-config/settings.js';
import { waitForKills } from './kill-ack.js';
import type { ManagerContext, WorkerProcesses } from './manager-context.js';

const KILLED = { message: 'Worker was killed' };
/** The expiry assumed for a worker registered before workers stored theirs. */
const DEFAULT_EXPIRE_S = 30;
const LOST = { message: 'Worker has crashed or was killed' };

/** Stops workers; see `Rush.stopWorkers`. Returns the ids acted on. */
export async function stopWorkers(
  ctx: ManagerContext,
  started: WorkerProcesses,
  options: StopWorkersOptions | undefined,
  { warnSkipped, awaitKills = false }: { warnSkipped: boolean; awaitKills?: boolean },
): Promise<string[]> {
  const o = checkOptions('options', options, ['type', 'workerIds']);
  const type = o.type ?? 'kill';
  if (type !== 'kill' && type !== 'terminate') {
    throw new RushInputError('type', `must be 'kill' or 'terminate', got ${describeValue(type)}`);
  }
  const requested = o.workerIds === undefined ? undefined : checkKeys('workerIds', o.workerIds);
  const { keys, logger, networkId } = ctx;
  const client = ctx.client();
  const running = new Set(await client.smembers(keys.runningWorkers));
  const targets = requested ? requested.filter((id) => running.has(id)) : [...running];
  const skipped = requested ? requested.filter((id) => !running.has(id)) : [];
  if (skipped.length > 0 && warnSkipped) {
    logger.warn(
      { network: networkId, workerIds: skipped },
      `stopWorkers: skipped ${skipped.length} worker(s) that are not running`,
    );
  }
  // Processes this manager started that are alive but not among the running workers (still
  // starting, or declared lost while frozen) have no task to hand back: when all workers are
  // stopped, they are killed (a flag for them would outlive them in Redis).
  const strays = requested ? [] : await strayWorkers(ctx, started, running, type);
  await Promise.all(strays.map((id) => started.launchers.get(id)?.kill(id)));
  if (targets.length === 0) return [];
  if (type === 'terminate') {
    const pipeline = client.pipeline();
    for (const id of targets) pipeline.set(keys.terminate(id), '1');
    unwrap(await pipeline.exec());
    return targets;
  }
  const heartbeats = await heartbeatFlags(ctx, targets);
  const reached = await Promise.all(
    targets.map(async (id) => (await started.launchers.get(id)?.kill(id)) ?? false),
  );
  const unreachable: string[] = [];
  const flagged: string[] = [];
  let longestExpire = 0;
  const flags = client.pipeline();
  for (const [i, id] of targets.entries()) {
    if (reached[i]) continue;
    const heartbeat = heartbeats[i];
    if (heartbeat) {
      flags.set(keys.kill(id), '1');
      flagged.push(id);
      longestExpire = Math.max(longestExpire, heartbeat.expire);
    } else unreachable.push(id);
  }
  unwrap(await flags.exec());
  if (unreachable.length > 0 && warnSkipped) {
    logger.warn(
      { network: networkId, workerIds: unreachable },
      'stopWorkers: no launcher or heartbeat reaches these workers; they are marked terminated, but their processes may run on',
    );
  }
  await loseWorkers(ctx, targets, KILLED, { expiredHeartbeats: false });
  started.accountFor(targets.filter((_, i) => reached[i]));
  if (awaitKills && flagged.length > 0) {
    // Until a flagged worker is gone it may still write: wait for its acknowledgement, or at
    // most until its heartbeat has lapsed.
    const unconfirmed = await waitForKills(ctx, flagged, (longestExpire + 1) * 1000);
    if (unconfirmed.length > 0) {
      logger.warn(
        { network: networkId, workerIds: unconfirmed },
        'stopWorkers: these workers did not confirm the kill before their heartbeat lapsed',
      );
    }
  }
  return targets;
}

/** Finds workers lost since the last call: exited processes and expired heartbeats. */
export async function detectLostWorkers(
  ctx: ManagerContext,
  started: WorkerProcesses,
): Promise<string[]> {
  const exited: string[] = [];
  for (const [id, launcher] of started.launchers) {
    if ((await launcher.isAlive(id)) === false) exited.push(id);
  }
  const lost = await markLost(ctx, exited, LOST, { expiredHeartbeats: true });
  await Promise.all([
    // A manager's blocking pop that died between taking and claiming leaves its task pending.
    runWrite(ctx, calls.recoverPending(ctx.keys, { managerPrefix: MANAGER_ID_PREFIX })),
    // Also finishes a sweep that an earlier call (here or in another manager) left undone.
    sweepLostTasks(ctx),
  ]);
  started.accountFor(exited);
  if (lost.length > 0) {
    ctx.logger.warn(
      { network: ctx.networkId, workerIds: lost },
      `detected ${lost.length} lost worker(s)`,
    );
  }
  return lost;
}

/** Moves workers to terminated and fails their running and pending tasks. */
export async function loseWorkers(
  ctx: ManagerContext,
  workerIds: string[],
  condition: { message: string },
  options: { expiredHeartbeats: boolean },
): Promise<string[]> {
  const lost = await markLost(ctx, workerIds, condition, options);
  await sweepLostTasks(ctx);
  return lost;
}

/**
 * Moves workers to terminated and fails their pending tasks, and their running tasks when few
 * tasks run; with many, notes them for {@link sweepLostTasks} in the same step (one script).
 */
function markLost(
  ctx: ManagerContext,
  workerIds: string[],
  condition: { message: string },
  { expiredHeartbeats }: { expiredHeartbeats: boolean },
): Promise<string[]> {
  return runWrite(
    ctx,
    calls.loseWorkers(ctx.keys, {
      workerIds,
      condition: encodeValue(condition, 'condition'),
      expiredHeartbeats,
      sweepLimit: SWEEP_CHUNK,
    }),
  );
}

/**
 * Workers started here whose process is alive but which are not running in the network: for a
 * kill, all of them; for a terminate, those that never registered (the others already stopped).
 */
async function strayWorkers(
  ctx: ManagerContext,
  started: WorkerProcesses,
  running: Set<string>,
  type: 'kill' | 'terminate',
): Promise<string[]> {
  const candidates = [...started.launchers.keys()].filter((id) => !running.has(id));
  if (candidates.length === 0) return [];
  const registered =
    type === 'kill' ? [] : await ctx.client().zmscore(ctx.keys.workers, ...candidates);
  const alive = await Promise.all(candidates.map((id) => started.launchers.get(id)!.isAlive(id)));
  return candidates.filter((_, i) => alive[i] === true && (registered[i] ?? null) === null);
}

/** Per worker: its heartbeat's expiry in seconds, or undefined when it keeps none. */
async function heartbeatFlags(
  ctx: ManagerContext,
  ids: string[],
): Promise<({ expire: number } | undefined)[]> {
  const pipeline = ctx.client().pipeline();
  for (const id of ids) pipeline.hmget(ctx.keys.worker(id), 'heartbeat', 'heartbeat_expire');
  return (unwrap(await pipeline.exec()) as (string | null)[][]).map(([on, expire]) =>
    on === '1' ? { expire: Number(expire) || DEFAULT_EXPIRE_S } : undefined,
  );
}
