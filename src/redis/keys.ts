/**
 * The only place that names Redis keys. Every key of a network starts with
 * `rush:{<networkId>}:`, so all of them share one Redis Cluster hash slot. Scripts receive
 * fixed keys through KEYS and, for keys they find at run time (a task popped from the queue, the
 * workers in a set), the prefixes below through ARGV: no Lua file spells a key name.
 */
export class RushKeys {
  /** Prefix of every key of the network. */
  readonly prefix: string;
  /** All task keys in creation order (list). */
  readonly tasks: string;
  /** Queued task keys, popped from the head (list). */
  readonly queued: string;
  /**
   * Queued tasks waiting for their retry backoff to pass (sorted set, scored by the time they
   * are due, in ms on the server's clock). They count as queued; a pop moves the due ones to the
   * back of `queued` first.
   */
  readonly delayed: string;
  /** Running task keys (set). */
  readonly running: string;
  /** Finished task keys in finish order (list, append only). */
  readonly finished: string;
  /** Failed task keys (set). */
  readonly failed: string;
  /**
   * One MessagePack record per finished task, aligned with `finished` (list): the task's row
   * (see _msgpack.lua), and the only copy of its values: its hash keeps the record's place
   * (_record.lua). A write of a value to a finished task rewrites its record; a bulk read of
   * finished tasks costs LRANGEs instead of a HMGET per task.
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
  /**
   * Pub/sub channel of news for workers' own machinery (`delayed <ms>`, `cancelled <keys>`),
   * apart from `events` so that a worker is not woken by every finished task. Scripts get only
   * the events channel and name this one `<events>:control` (_fail_task.lua, cancel_tasks.lua).
   */
  readonly control: string;
  /** Task lists and sets a reset renamed, whose hashes are still being deleted (set). */
  readonly trash: string;
  /**
   * Lost workers whose running tasks are still to be failed, with the encoded condition for
   * them (hash): noted by lose_workers.lua when the running set is too large to look at in one
   * call, removed once a sweep of the whole set has finished (sweep_lost_tasks.lua). A sweep a
   * crash interrupted is finished by the next detectLostWorkers.
   */
  readonly lostSweep: string;

  /** Prefix of task hashes; the task key follows it. */
  readonly taskPrefix: string;
  /** Prefixes of the per-worker keys; the worker id follows each. */
  readonly workerPrefix: string;
  readonly heartbeatPrefix: string;
  readonly logPrefix: string;
  readonly terminatePrefix: string;
  readonly killPrefix: string;
  /** Prefixes of the per-popper keys (workers and managers that pop); the popper id follows. */
  readonly pendingPrefix: string;
  readonly lastPopPrefix: string;

  constructor(readonly networkId: string) {
    const p = `rush:{${networkId}}:`;
    this.prefix = p;
    this.tasks = `${p}tasks`;
    this.queued = `${p}queued`;
    this.delayed = `${p}delayed`;
    this.running = `${p}running`;
    this.finished = `${p}finished`;
    this.failed = `${p}failed`;
    this.finishedRecords = `${p}finished_records`;
    this.extraHashes = `${p}extra_hashes`;
    this.workers = `${p}workers`;
    this.runningWorkers = `${p}running_workers`;
    this.terminatedWorkers = `${p}terminated_workers`;
    this.poppers = `${p}poppers`;
    this.terminateAll = `${p}terminate`;
    this.workerConfig = `${p}worker_config`;
    this.events = `${p}events`;
    this.control = `${this.events}:control`;
    this.trash = `${p}trash`;
    this.lostSweep = `${p}lost_sweep`;
    this.taskPrefix = `${p}task:`;
    this.workerPrefix = `${p}worker:`;
    this.heartbeatPrefix = `${p}heartbeat:`;
    this.logPrefix = `${p}log:`;
    this.terminatePrefix = `${p}terminate:`;
    this.killPrefix = `${p}kill:`;
    this.pendingPrefix = `${p}pending:`;
    this.lastPopPrefix = `${p}last_pop:`;
  }

  task(key: string): string {
    return this.taskPrefix + key;
  }
  /** A worker's info hash. */
  worker(workerId: string): string {
    return this.workerPrefix + workerId;
  }
  /** Tasks a worker or manager popped but has not yet marked running (list). */
  pending(popperId: string): string {
    return this.pendingPrefix + popperId;
  }
  /** The last pop of a worker or manager: its request id and the keys it took (string). */
  lastPop(popperId: string): string {
    return this.lastPopPrefix + popperId;
  }
  heartbeat(workerId: string): string {
    return this.heartbeatPrefix + workerId;
  }
  log(workerId: string): string {
    return this.logPrefix + workerId;
  }
  /** A flag asking one worker to terminate. */
  terminate(workerId: string): string {
    return this.terminatePrefix + workerId;
  }
  /** A flag asking one worker's heartbeat to kill its process. */
  kill(workerId: string): string {
    return this.killPrefix + workerId;
  }

  /** The prefix of one reset's trash entries (`id` makes it unique). */
  trashPrefix(id: string): string {
    return `${this.prefix}trash:${id}:`;
  }

  /** The collection that holds the tasks of a state. */
  ofState(state: 'queued' | 'running' | 'finished' | 'failed'): string {
    return this[state];
  }

  /** Keys that exist once per network and go with its workers (deleted by a full reset). */
  get workerRegistry(): string[] {
    return [
      this.workers,
      this.runningWorkers,
      this.terminatedWorkers,
      this.terminateAll,
      this.workerConfig,
    ];
  }

  /** Prefixes of per-worker keys, for the scripts that delete a worker's keys. */
  get perWorkerPrefixes(): string[] {
    return [
      this.workerPrefix,
      this.heartbeatPrefix,
      this.logPrefix,
      this.terminatePrefix,
      this.killPrefix,
    ];
  }

  /** The network id inside a key of any network, or undefined for other keys. */
  static networkOf(key: string): string | undefined {
    return /^rush:\{(.+?)\}:/.exec(key)?.[1];
  }

  /** A SCAN pattern that matches the keys of every network. */
  static readonly ANY_NETWORK_PATTERN = 'rush:{*}:*';
}
