/**
 * The counts and ids of a network's workers and tasks, the worker registry, and the summary
 * printed for a network: the read-only questions every participant can ask (`CountQueries`;
 * the `NetworkCounts` type is the answer of `counts()`). Each method is one
 * consistent read (one round trip). `Rush` extends this with the task and worker API. A reply
 * that says the Redis user lacks a permission is the RushConfigError that names it (every
 * rushnet connection explains those, see createClient).
 */
import type { ChainableCommander, Redis } from 'ioredis';
import type { RushKeys } from '../redis/keys.js';
import * as calls from '../redis/scripts/calls.js';
import { runScript, unwrap } from '../redis/scripts/index.js';
import type * as T from '../types.js';

export abstract class CountQueries {
  protected abstract readonly keys: RushKeys;
  /** The network's id. */
  abstract get networkId(): string;
  /** The Redis client in use. */
  abstract get connector(): Redis;

  /** Number of registered workers, running or terminated. */
  nWorkers(): Promise<number> {
    return this.connector.zcard(this.keys.workers);
  }
  /** Number of running workers. */
  nRunningWorkers(): Promise<number> {
    return this.connector.scard(this.keys.runningWorkers);
  }
  /** Number of terminated workers. */
  nTerminatedWorkers(): Promise<number> {
    return this.connector.scard(this.keys.terminatedWorkers);
  }
  /** Ids of all registered workers, in registration order. */
  workerIds(): Promise<string[]> {
    return this.connector.zrange(this.keys.workers, 0, -1);
  }
  /** Ids of running workers. */
  runningWorkerIds(): Promise<string[]> {
    return this.connector.smembers(this.keys.runningWorkers);
  }
  /** Ids of terminated workers. */
  terminatedWorkerIds(): Promise<string[]> {
    return this.connector.smembers(this.keys.terminatedWorkers);
  }
  /** Keys of all tasks in creation order. */
  tasks(): Promise<string[]> {
    return this.connector.lrange(this.keys.tasks, 0, -1);
  }
  /** Keys of queued tasks in the order they will be popped (delayed retries last, by due time). */
  async queuedTasks(): Promise<string[]> {
    const pipeline = this.connector.pipeline();
    queueQueuedKeys(pipeline, this.keys);
    return queuedKeysFrom(unwrap(await pipeline.exec()));
  }
  /** Keys of running tasks. */
  runningTasks(): Promise<string[]> {
    return this.connector.smembers(this.keys.running);
  }
  /** Keys of finished tasks in finish order. */
  finishedTasks(): Promise<string[]> {
    return this.connector.lrange(this.keys.finished, 0, -1);
  }
  /** Keys of failed tasks. */
  failedTasks(): Promise<string[]> {
    return this.connector.smembers(this.keys.failed);
  }
  /** Number of tasks in every state. */
  nTasks(): Promise<number> {
    return this.connector.llen(this.keys.tasks);
  }
  /** Queued tasks, delayed retries included. */
  nQueuedTasks(): Promise<number> {
    return runScript(this.connector, calls.queuedCount(this.keys));
  }
  /** Number of running tasks. */
  nRunningTasks(): Promise<number> {
    return this.connector.scard(this.keys.running);
  }
  /** Number of finished tasks. */
  nFinishedTasks(): Promise<number> {
    return this.connector.llen(this.keys.finished);
  }
  /** Number of failed tasks. */
  nFailedTasks(): Promise<number> {
    return this.connector.scard(this.keys.failed);
  }

  /** Worker and task counts in one consistent read (one round trip). */
  counts(): Promise<T.NetworkCounts> {
    return readCounts(this.connector, this.keys);
  }

  /** One row per registered worker, in registration order. */
  async workerInfo(): Promise<T.WorkerInfo[]> {
    const rows = await runScript(this.connector, calls.workerInfo(this.keys));
    return rows.map((r) => ({
      worker_id: r.workerId,
      pid: r.pid,
      hostname: r.hostname,
      heartbeat: r.heartbeat,
      state: r.running ? 'running' : 'terminated',
    }));
  }

  /** A short summary: class, network, running workers and task counts. */
  async format(): Promise<string> {
    const c = await this.counts();
    return [
      `${this}`,
      `* Running workers: ${c.runningWorkers}`,
      `* Queued tasks: ${c.queued}`,
      `* Running tasks: ${c.running}`,
      `* Finished tasks: ${c.finished}`,
      `* Failed tasks: ${c.failed}`,
    ].join('\n');
  }

  /** Writes {@link format} to stdout. */
  async print(): Promise<void> {
    process.stdout.write(`${await this.format()}\n`);
  }
}

/**
 * Queues the reads of the queued tasks' keys: the delayed retries, then the queue. Plain
 * commands (no transaction, which Redis refuses when out of memory), in this order: the one
 * move between the two, a due retry joining the queue, then shows the task in both (never in
 * neither), and `queuedKeysFrom` keeps it once.
 */
export function queueQueuedKeys(pipeline: ChainableCommander, k: RushKeys): void {
  pipeline.zrange(k.delayed, 0, -1).lrange(k.queued, 0, -1);
}

/** The queued tasks' keys from the two replies of `queueQueuedKeys`: the queue, then delayed. */
export function queuedKeysFrom([delayed, queue]: unknown[]): string[] {
  const keys = queue as string[];
  if ((delayed as string[]).length === 0) return keys;
  const inQueue = new Set(keys);
  return keys.concat((delayed as string[]).filter((key) => !inQueue.has(key)));
}

/** A network's worker and task counts in one consistent read (a transaction). */
export async function readCounts(client: Redis, k: RushKeys): Promise<T.NetworkCounts> {
  const multi = client.multi().scard(k.runningWorkers).scard(k.terminatedWorkers);
  multi.llen(k.queued).scard(k.running).llen(k.finished).scard(k.failed).zcard(k.delayed);
  const [runningWorkers, terminatedWorkers, queued, running, finished, failed, delayed] = unwrap(
    await multi.exec(),
  ) as number[];
  return {
    runningWorkers: runningWorkers!,
    terminatedWorkers: terminatedWorkers!,
    queued: queued! + delayed!,
    running: running!,
    finished: finished!,
    failed: failed!,
  };
}
