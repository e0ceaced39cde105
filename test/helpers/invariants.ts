/**
 * The invariant checker: reads a network straight from Redis and reports every violation of
 * the promises of SPEC §2 and §10. Usable by any test: `expect(await checkInvariants(...)).toEqual([])`.
 */
import type { Redis } from 'ioredis';

export interface InvariantOptions {
  /** Every task key the test created (through any participant). */
  created?: Iterable<string>;
  /** Workers alive the whole time: none of them may have been reported lost or killed. */
  aliveWorkers?: Iterable<string>;
  /** Worker ids reported by detectLostWorkers() during the test. */
  reportedLost?: Iterable<string>;
  /**
   * After every worker is gone and detectLostWorkers() ran: no task may be running or pending
   * on a worker that is not running.
   */
  settled?: boolean;
}

export interface NetworkSnapshot {
  tasks: string[];
  queued: string[];
  running: string[];
  finished: string[];
  failed: string[];
  pending: Map<string, string[]>;
  runningWorkers: string[];
  terminatedWorkers: string[];
}

/** Reads every collection of a network in one transaction. */
export async function snapshotNetwork(client: Redis, networkId: string): Promise<NetworkSnapshot> {
  const p = `rush:{${networkId}}:`;
  const poppers = await client.smembers(`${p}poppers`);
  const multi = client
    .multi()
    .lrange(`${p}tasks`, 0, -1)
    .lrange(`${p}queued`, 0, -1)
    .smembers(`${p}running`)
    .lrange(`${p}finished`, 0, -1)
    .smembers(`${p}failed`)
    .smembers(`${p}running_workers`)
    .smembers(`${p}terminated_workers`);
  for (const id of poppers) multi.lrange(`${p}pending:${id}`, 0, -1);
  const replies = ((await multi.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value as string[];
  });
  const [tasks, queued, running, finished, failed, runningWorkers, terminatedWorkers] =
    replies as string[][];
  const pending = new Map(poppers.map((id, i) => [id, replies[7 + i]!]));
  return {
    tasks: tasks!,
    queued: queued!,
    running: running!,
    finished: finished!,
    failed: failed!,
    pending,
    runningWorkers: runningWorkers!,
    terminatedWorkers: terminatedWorkers!,
  };
}

/** Returns the violations found (an empty array when the network is sound). */
export async function checkInvariants(
  client: Redis,
  networkId: string,
  options: InvariantOptions = {},
): Promise<string[]> {
  const violations: string[] = [];
  const s = await snapshotNetwork(client, networkId);
  const p = `rush:{${networkId}}:`;

  const where = new Map<string, string[]>();
  const note = (key: string, state: string) => where.set(key, [...(where.get(key) ?? []), state]);
  for (const key of s.queued) note(key, 'queued');
  for (const key of s.running) note(key, 'running');
  for (const key of s.finished) note(key, 'finished');
  for (const key of s.failed) note(key, 'failed');
  for (const [id, keys] of s.pending) for (const key of keys) note(key, `pending:${id}`);

  const all = new Set(s.tasks);
  if (all.size !== s.tasks.length)
    violations.push(`the task list holds ${s.tasks.length - all.size} duplicate key(s)`);
  if (options.created) {
    const created = new Set(options.created);
    for (const key of created)
      if (!all.has(key)) violations.push(`task ${key} was created but is not in the task list`);
    for (const key of all)
      if (!created.has(key))
        violations.push(`task ${key} is in the task list but was never created`);
  }
  for (const key of all) {
    const states = where.get(key) ?? [];
    if (states.length === 0) violations.push(`task ${key} is in no state (lost)`);
    if (states.length > 1)
      violations.push(`task ${key} is in ${states.length} states at once: ${states.join(', ')}`);
  }
  for (const key of where.keys())
    if (!all.has(key)) violations.push(`task ${key} has a state but is not in the task list`);
  if (new Set(s.finished).size !== s.finished.length)
    violations.push('a task was recorded as finished twice');

  const counted = s.queued.length + s.running.length + s.finished.length + s.failed.length;
  const pendingCount = [...s.pending.values()].reduce((n, keys) => n + keys.length, 0);
  if (counted + pendingCount !== s.tasks.length) {
    violations.push(
      `finished + failed + queued + running + pending = ${counted + pendingCount}, but ${s.tasks.length} tasks exist`,
    );
  }

  // Each task's hash agrees with its collection, and finished tasks hold their results.
  const pipeline = client.pipeline();
  const keys = [...all];
  for (const key of keys) pipeline.hmget(`${p}task:${key}`, 'state', 'ys');
  const fields = ((await pipeline.exec()) ?? []).map(([, value]) => value as (string | null)[]);
  keys.forEach((key, i) => {
    const [state, ys] = fields[i] ?? [];
    const expected = (where.get(key) ?? [])[0];
    if (expected === undefined) return;
    const want = expected.startsWith('pending:') ? 'queued' : expected;
    if (state !== want) violations.push(`task ${key} is ${expected} but its hash says ${state}`);
    if (expected === 'finished' && ys === null) violations.push(`finished task ${key} has no ys`);
  });
  const records = await client.llen(`${p}finished_records`);
  if (records !== s.finished.length)
    violations.push(
      `the finished-records log holds ${records} records for ${s.finished.length} finished tasks`,
    );

  if (options.settled) {
    const runningWorkers = new Set(s.runningWorkers);
    const owners = await Promise.all(
      s.running.map((key) => client.hget(`${p}task:${key}`, 'worker_id')),
    );
    s.running.forEach((key, i) => {
      if (!runningWorkers.has(owners[i] ?? ''))
        violations.push(`task ${key} is still running on worker ${owners[i]}, which is gone`);
    });
    for (const [id, keys] of s.pending) {
      if (keys.length > 0 && !runningWorkers.has(id))
        violations.push(`${keys.length} task(s) still pending on ${id}, which is gone`);
    }
  }
  const lost = new Set(options.reportedLost ?? []);
  for (const id of options.aliveWorkers ?? []) {
    if (lost.has(id))
      violations.push(`worker ${id} was alive the whole time but was reported lost`);
  }
  return violations;
}
