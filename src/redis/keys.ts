/**
 * The only place that names Redis keys. Every key of a network starts with
 * `rush:{<networkId>}:`, so all of them share one Redis Cluster hash slot.
 */
export class RushKeys {
  /** Prefix of every key of the network. */
  readonly prefix: string;
  /** Prefix of task hashes; the task key follows it. */
  readonly taskPrefix: string;
  /** All task keys in creation order (list). */
  readonly tasks: string;
  /** Queued task keys, popped from the head (list). */
  readonly queued: string;
  /** Running task keys (set). */
  readonly running: string;
  /** Finished task keys in finish order (list, append only). */
  readonly finished: string;
  /** Failed task keys (set). */
  readonly failed: string;
  /**
   * One MessagePack record per finished task, aligned with `finished` (list, append only):
   * `{ key, xs, ys, xs_extra, ys_extra, condition, worker_id }` as they were when it finished.
   * Lets a bulk read of finished tasks cost two LRANGEs instead of one HMGET per task.
   */
  readonly finishedRecords: string;
  /** Keys of hashes written by `writeHashes` that are not tasks (set), so `reset` finds them. */
  readonly extraHashes: string;
  /** Worker ids scored by registration time (sorted set). */
  readonly workers: string;
  readonly runningWorkers: string;
  readonly terminatedWorkers: string;
  /** Ids of every worker or manager that may own a pending list (set). */
  readonly poppers: string;
  /** A flag that asks every worker to terminate. */
  readonly terminateAll: string;
  /** Stored worker configurations (loop, args, packages, log settings) by id, and the latest (hash). */
  readonly workerConfig: string;
  /** Pub/sub channel announcing finished and failed tasks (not a key: nothing to delete). */
  readonly events: string;

  constructor(readonly networkId: string) {
    this.prefix = `rush:{${networkId}}:`;
    this.taskPrefix = `${this.prefix}task:`;
    this.tasks = `${this.prefix}tasks`;
    this.queued = `${this.prefix}queued`;
    this.running = `${this.prefix}running`;
    this.finished = `${this.prefix}finished`;
    this.failed = `${this.prefix}failed`;
    this.finishedRecords = `${this.prefix}finished_records`;
    this.extraHashes = `${this.prefix}extra_hashes`;
    this.workers = `${this.prefix}workers`;
    this.runningWorkers = `${this.prefix}running_workers`;
    this.terminatedWorkers = `${this.prefix}terminated_workers`;
    this.poppers = `${this.prefix}poppers`;
    this.terminateAll = `${this.prefix}terminate`;
    this.workerConfig = `${this.prefix}worker_config`;
    this.events = `${this.prefix}events`;
  }

  task(key: string): string {
    return this.taskPrefix + key;
  }
  /** A worker's info hash. */
  worker(workerId: string): string {
    return `${this.prefix}worker:${workerId}`;
  }
  /** Tasks a worker popped but has not yet marked running (list). */
  pending(workerId: string): string {
    return `${this.prefix}pending:${workerId}`;
  }
  /** The last pop of a worker or manager: its request id and the keys it took (string). */
  lastPop(popperId: string): string {
    return `${this.prefix}last_pop:${popperId}`;
  }
  heartbeat(workerId: string): string {
    return `${this.prefix}heartbeat:${workerId}`;
  }
  log(workerId: string): string {
    return `${this.prefix}log:${workerId}`;
  }
  /** A flag asking one worker to terminate. */
  terminate(workerId: string): string {
    return `${this.prefix}terminate:${workerId}`;
  }
  /** A flag asking one worker's heartbeat to kill its process. */
  kill(workerId: string): string {
    return `${this.prefix}kill:${workerId}`;
  }
  /** Suffixes of the per-worker keys, for scripts that delete them. */
  static readonly perWorkerKinds = ['worker', 'heartbeat', 'log', 'terminate', 'kill'] as const;
}
