/**
 * The invariant checker: reads a network straight from Redis and reports every violation of
 * the promises of docs/concepts.md and RELIABILITY.md. Usable by any test: `expect(await checkInvariants(...)).toEqual([])`.
 * After a failover, `checkAfterFailover` also compares what the clients saw acknowledged with
 * what survived, and tells what Redis lost (asynchronous replication) from what rushnet lost.
 * The client is a plain ioredis client, or a Cluster client (a network's keys share one slot).
 */
import type { Cluster, Redis } from 'ioredis';
import { SCRIPT_SOURCES } from '../../src/redis/scripts/index.js';
import { decodeValue } from '../../src/tasks/codec.js';

/** A standalone or Sentinel client, or a Cluster client. */
export type RedisClient = Redis | Cluster;

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
  /** Every task has reached its final state: finished or failed (none queued or running). */
  done?: boolean;
}

export interface NetworkSnapshot {
  tasks: string[];
  queued: string[];
  /** Queued tasks waiting for their retry's backoff (they count as queued). */
  delayed: string[];
  running: string[];
  finished: string[];
  failed: string[];
  pending: Map<string, string[]>;
  runningWorkers: string[];
  terminatedWorkers: string[];
}

/** Reads every collection of a network in one transaction. */
export async function snapshotNetwork(
  client: RedisClient,
  networkId: string,
): Promise<NetworkSnapshot> {
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
    .smembers(`${p}terminated_workers`)
    .zrange(`${p}delayed`, 0, -1);
  for (const id of poppers) multi.lrange(`${p}pending:${id}`, 0, -1);
  const replies = ((await multi.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value as string[];
  });
  const [tasks, queued, running, finished, failed, runningWorkers, terminatedWorkers, delayed] =
    replies as string[][];
  const pending = new Map(poppers.map((id, i) => [id, replies[8 + i]!]));
  return {
    tasks: tasks!,
    queued: queued!,
    delayed: delayed!,
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
  client: RedisClient,
  networkId: string,
  options: InvariantOptions = {},
): Promise<string[]> {
  const violations: string[] = [];
  const s = await snapshotNetwork(client, networkId);
  const p = `rush:{${networkId}}:`;

  const where = new Map<string, string[]>();
  const note = (key: string, state: string) => where.set(key, [...(where.get(key) ?? []), state]);
  for (const key of s.queued) note(key, 'queued');
  for (const key of s.delayed) note(key, 'delayed');
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

  const counted =
    s.queued.length + s.delayed.length + s.running.length + s.finished.length + s.failed.length;
  const pendingCount = [...s.pending.values()].reduce((n, keys) => n + keys.length, 0);
  if (counted + pendingCount !== s.tasks.length) {
    violations.push(
      `finished + failed + queued + delayed + running + pending = ${counted + pendingCount}, but ${s.tasks.length} tasks exist`,
    );
  }

  // Each task's hash agrees with its collection, and finished tasks hold their results.
  const pipeline = client.pipeline();
  const keys = [...all];
  for (const key of keys) pipeline.hmgetBuffer(`${p}task:${key}`, 'state', 'retry', 'tries');
  const fields = ((await pipeline.exec()) ?? []).map(([, value]) => value as (Buffer | null)[]);
  const results = await finishedResults(client, p, s.finished);
  keys.forEach((key, i) => {
    const [stateRaw, retry, triesRaw] = fields[i] ?? [];
    const ys = results.get(key);
    const state = stateRaw?.toString();
    const expected = (where.get(key) ?? [])[0];
    if (expected === undefined) return;
    const want = expected.startsWith('pending:') || expected === 'delayed' ? 'queued' : expected;
    if (state !== want) violations.push(`task ${key} is ${expected} but its hash says ${state}`);
    if (expected === 'finished' && !ys) violations.push(`finished task ${key} has no ys`);
    // A task with retries runs at most maxRetries + 1 times.
    if (retry) {
      const maxRetries = Number(retry.toString().split(' ')[0]);
      const tries = triesRaw ? (decodeValue(triesRaw) as number) : 0;
      if (!(tries <= maxRetries + 1))
        violations.push(
          `task ${key} ran ${tries} times, more than maxRetries + 1 = ${maxRetries + 1}`,
        );
    }
    if (options.done && expected !== 'finished' && expected !== 'failed')
      violations.push(`task ${key} is ${expected}, not finished or failed`);
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

/** A state change a client saw acknowledged, and when (`Date.now()` after the reply). */
export interface Acknowledged {
  /**
   * `create`: the task was created; `pop`: the client got the task to run; `finish`: the finish
   * moved the task; `discarded`: a finish by a client that held the task moved nothing.
   */
  op: 'create' | 'pop' | 'finish' | 'discarded';
  key: string;
  /** A worker id, or `manager`. */
  by: string;
  at: number;
}

export interface FailoverOptions extends Omit<InvariantOptions, 'created'> {
  /** Every state change the test's clients (manager and workers) saw acknowledged. */
  acknowledged: Iterable<Acknowledged>;
  /**
   * When the new primary was seen serving. A write acknowledged before may have been
   * acknowledged by the old primary and lost with it; one acknowledged after went to the new
   * primary, so losing it is rushnet's doing. (A write the new primary acknowledged between its
   * promotion and this moment counts as Redis' if lost: the test cannot see that moment closer.)
   */
  failedOverAt: number;
  /**
   * The `maxRetries` the tasks were pushed with: a task whose pops were acknowledged more than
   * maxRetries + 1 times ran more often than allowed, unless Redis undid enough of its pops.
   */
  maxRetries?: number;
}

export interface FailoverViolations {
  /**
   * Broken promises of rushnet: the invariants (a task in no state, in two, finished twice, …),
   * tasks no client created, and acknowledged writes lost although the new primary took them.
   */
  rushnet: string[];
  /** Acknowledged writes that did not survive the failover: Redis' asynchronous replication. */
  redis: string[];
}

/**
 * The invariants, then what the clients saw acknowledged against what survived a failover:
 * each acknowledged creation must have made a task, each acknowledged finish a finished task,
 * and a finish is discarded only when the pop or creation that gave the task to its client was
 * lost. Every loss is blamed on Redis when acknowledged before the failover, else on rushnet.
 */
export async function checkAfterFailover(
  client: RedisClient,
  networkId: string,
  options: FailoverOptions,
): Promise<FailoverViolations> {
  const { acknowledged, failedOverAt, maxRetries, ...rest } = options;
  const rushnet = await checkInvariants(client, networkId, rest);
  const redis = new Set<string>();
  const s = await snapshotNetwork(client, networkId);
  const states = new Map<string, string>();
  for (const [state, keys] of [
    ['queued', s.queued],
    ['queued', s.delayed],
    ['running', s.running],
    ['finished', s.finished],
    ['failed', s.failed],
  ] as const) {
    for (const key of keys) states.set(key, state);
  }
  for (const [id, keys] of s.pending) for (const key of keys) states.set(key, `pending on ${id}`);
  const blame = (ack: Acknowledged, what: string, found: string) => {
    const lag = ack.at - failedOverAt;
    const when = lag < 0 ? `${-lag} ms before` : `${lag} ms after`;
    const line = `task ${ack.key}: ${what} was acknowledged to ${ack.by} ${when} the failover, but ${found}`;
    if (lag < 0) redis.add(line);
    else rushnet.push(line);
  };

  const inList = new Set(s.tasks);
  const byKey = new Map<string, Acknowledged[]>();
  for (const ack of acknowledged) byKey.set(ack.key, [...(byKey.get(ack.key) ?? []), ack]);
  for (const [key, acks] of byKey) {
    acks.sort((a, b) => a.at - b.at);
    const state = states.get(key);
    for (const ack of acks) {
      if (ack.op === 'create' && !inList.has(key)) {
        blame(ack, 'its creation', 'it is not in the task list');
      } else if (ack.op === 'finish' && state !== 'finished') {
        blame(ack, 'its finish', `it is ${state ?? 'in no state'}`);
      } else if (ack.op === 'discarded') {
        // The client held the task: what gave it the task (a pop, or its creation) was lost.
        const source = acks.findLast(
          (a) => a.by === ack.by && (a.op === 'pop' || a.op === 'create') && a.at <= ack.at,
        );
        if (!source) rushnet.push(`task ${key}: ${ack.by} finished it without holding it`);
        else blame(source, `its ${source.op}`, 'a later finish found it no longer running');
      }
    }
    const pops = acks.filter((a) => a.op === 'pop');
    if (maxRetries !== undefined && pops.length > maxRetries + 1) {
      // Only undone pops explain the surplus runs (each pop counts a try), and only a pop
      // acknowledged before the failover can have been undone: the surplus-th pop tells.
      const surplus = pops.length - (maxRetries + 1);
      const allowed = `only ${maxRetries + 1} runs are allowed, so pops up to this one were undone`;
      blame(pops[surplus - 1]!, `its pop ${surplus} of ${pops.length}`, allowed);
    }
    const finishes = acks.filter((a) => a.op === 'finish');
    if (finishes.length > 1) {
      const [first, ...others] = finishes;
      blame(
        first!,
        'its finish',
        `it ran again and ${others.length} more finish(es) were acknowledged`,
      );
    }
  }
  for (const key of inList) {
    if (!byKey.get(key)?.some((a) => a.op === 'create')) {
      rushnet.push(`task ${key} is in the task list, but no client saw it created`);
    }
  }
  return { rushnet, redis: [...redis] };
}

/**
 * The ys of finished tasks, read as rushnet reads them: a finished task's hash holds the place
 * of its record in the finished-records log, which holds its values (read_hashes.lua).
 */
async function finishedResults(
  client: RedisClient,
  p: string,
  finished: string[],
): Promise<Map<string, Buffer | null>> {
  const out = new Map<string, Buffer | null>();
  const source = SCRIPT_SOURCES.get('read_hashes')!;
  for (let from = 0; from < finished.length; from += 1000) {
    const chunk = finished.slice(from, from + 1000);
    const reply = (await client.callBuffer(
      'EVAL',
      source,
      2,
      `${p}tasks`,
      `${p}finished_records`,
      `${p}task:`,
      1,
      'ys',
      ...chunk,
    )) as (Buffer | number | null)[];
    for (const [i, key] of chunk.entries()) out.set(key, reply[2 * i + 1] as Buffer | null);
  }
  return out;
}
