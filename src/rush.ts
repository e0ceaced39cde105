/**
 * `Rush`: a participant of a rush network. The manager is a `Rush`; every worker is a
 * `RushWorker`, which extends it. Both create, pop, finish and read tasks through the same
 * methods, each of which costs one round trip to Redis where that is possible.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { describeValue, explained, RushError, RushInputError, RushTimeoutError } from './errors.js';
import { getLogger, type Logger, logger } from './logging/logger.js';
import type { LogRecord } from './logging/redis-log.js';
import { rushConfig } from './plan.js';
import { ProgressLine } from './progress.js';
import {
  configToUrl,
  hidePassword,
  type RedisConfig,
  type ResolvedRedisConfig,
  resolveConfig,
} from './redis/config.js';
import {
  closeConnection,
  DEFAULT_MAX_BULK,
  openConnection,
  readMaxBulkLength,
} from './redis/connection.js';
import { RushKeys } from './redis/keys.js';
import {
  defineScripts,
  queueScript,
  readCollectionArgs,
  runScript,
  type ScriptArg,
  type ScriptName,
  unwrap,
} from './redis/scripts/index.js';
import { TaskEvents } from './rush/events.js';
import { FinishedCache } from './rush/finished-cache.js';
import { FinishedReader } from './rush/finished-reader.js';
import { encodeWithinLimit, type LargeObjectPolicy } from './tasks/large-objects.js';
import {
  buildRecord,
  buildRow,
  decodeField,
  decodeReply,
  decodeTasks,
  poppedTasks,
  type RawReply,
  type TaskRecord,
} from './tasks/rows.js';
import type {
  EmptyQueueOptions,
  FailTasksOptions,
  FetchNewTasksOptions,
  FetchOptions,
  FetchWithStateOptions,
  FinishTasksOptions,
  NetworkCounts,
  PoppedTask,
  PopTaskOptions,
  PushFailedTasksOptions,
  PushFinishedTasksOptions,
  PushTasksOptions,
  ReadHashesOptions,
  ResetOptions,
  TaskRow,
  TaskState,
  TaskValues,
  WaitForTasksOptions,
  WorkerInfo,
  WriteHashesOptions,
} from './types.js';
import {
  checkBoolean,
  checkCompanion,
  checkConditions,
  checkFields,
  checkKeys,
  checkNetworkId,
  checkObjectArray,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
  checkStates,
  isPlainObject,
  TASK_STATES,
} from './validate.js';
import type { WorkerLoop } from './workers/loop.js';
import {
  type ReadLogOptions,
  type StartLocalWorkersOptions,
  type StartWorkersOptions,
  type StopWorkersOptions,
  type WaitForWorkersOptions,
  WorkerManager,
  type WorkerScriptOptions,
} from './workers/worker-manager.js';

export interface RushOptions {
  /** Identifies the network; manager and workers use the same id. @default a new UUID */
  networkId?: string;
  /** Redis to use. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
}

/** Tasks per script call when writing many: keeps every call short for other clients. */
const WRITE_CHUNK = 2000;
/** Finished tasks per script call when reading the cache's backlog. */
/** Longest single wait between checks while blocking on events (a safety net, not a poll). */
const MAX_EVENT_WAIT_MS = 1000;

const FETCH_DEFAULT_FIELDS = ['xs', 'ys', 'xs_extra', 'worker_id', 'ys_extra', 'condition'];
const FINISHED_DEFAULT_FIELDS = ['worker_id', 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition'];

const warnedDeprecations = new Set<string>();

/**
 * The manager of a rush network, and the base of {@link RushWorker}.
 * @typeParam XS - the shape of task inputs
 * @typeParam YS - the shape of task outputs
 */
export class Rush<XS extends object = TaskValues, YS extends object = TaskValues> {
  /** The network's id. */
  readonly networkId: string;
  /** The Redis settings in use (the password is not enumerable, so it does not print). */
  readonly config: Readonly<ResolvedRedisConfig>;
  /** Redis keys of this network. */
  protected readonly keys: RushKeys;
  /** Owner id of this participant's pending list (the worker id, on a worker). */
  protected popperId: string;

  #client: Redis | undefined;
  #blocking: Redis | undefined;
  #events: TaskEvents;
  #cache = new FinishedCache();
  #reader: FinishedReader;
  #cacheLock: Promise<unknown> = Promise.resolve();
  #largeObjects: LargeObjectPolicy;
  #popperRegistered = false;
  /** Counts pops, for their request ids (unique with the nonce, even if ids are reused). */
  #pops = 0;
  readonly #popNonce = randomUUID().slice(0, 8);
  #closing: Promise<void> | undefined;
  #workers: WorkerManager;

  constructor(options?: RushOptions) {
    const o = checkOptions('options', options, ['networkId', 'config']);
    this.networkId =
      o.networkId === undefined ? randomUUID() : checkNetworkId('networkId', o.networkId);
    const plan = rushConfig();
    this.config = hidePassword(resolveConfig(o.config, plan.config));
    this.keys = new RushKeys(this.networkId);
    this.popperId = `manager-${randomUUID()}`;
    this.#largeObjects = {
      maxObjectSize: plan.maxObjectSize ?? DEFAULT_MAX_BULK,
      path: plan.largeObjectsPath,
    };
    this.#events = new TaskEvents(() => this.#open('events'), this.keys.events);
    this.#reader = new FinishedReader(
      this.keys,
      () => this.connector,
      (keys) => this.#warnMissing(keys),
    );
    const self = this;
    this.#workers = new WorkerManager({
      networkId: this.networkId,
      keys: this.keys,
      config: this.config,
      events: this.#events,
      get logger() {
        return self.logger;
      },
      client: () => this.connector,
      encode: (value, argument) => encodeWithinLimit(value, argument, this.#largeObjects),
    });
  }

  /** Connects to Redis and checks that it answers. @throws RushConfigError within seconds when it does not. */
  async connect(): Promise<this> {
    if (this.#client) return this;
    const client = await this.#open('main');
    if (rushConfig().maxObjectSize === undefined) {
      this.#largeObjects.maxObjectSize = await readMaxBulkLength(client);
    }
    this.#client = client;
    return this;
  }

  async #open(role: string): Promise<Redis> {
    const client = await openConnection(this.config, `rushnet:${this.networkId}:${role}`);
    defineScripts(client);
    return client;
  }

  /** The Redis client in use. */
  get connector(): Redis {
    if (!this.#client) throw new RushError(`${this} is not connected: call connect() first`);
    return this.#client;
  }

  /** Ends every connection of this instance. Safe to call more than once. */
  close(): Promise<void> {
    this.#closing ??= this.closeConnections();
    return this.#closing;
  }

  /** Closes the connections; subclasses stop their own machinery first. */
  protected async closeConnections(): Promise<void> {
    await this.#events.close();
    const clients = [this.#blocking, this.#client].filter((c): c is Redis => c !== undefined);
    this.#blocking = undefined;
    await Promise.all(clients.map(closeConnection));
  }

  /** The `rushnet` logger (on a worker, its records also go to Redis). */
  get logger(): Logger {
    return this.loggerFor('rushnet');
  }

  /** A logger of the given name, e.g. for a worker loop's own messages. */
  getLogger(name: string): Logger {
    return this.loggerFor(name);
  }

  protected loggerFor(name: string): Logger {
    return name === 'rushnet' ? logger : getLogger(name);
  }

  /** The worker id stored with tasks this participant creates or runs ('' for a manager). */
  protected get taskWorkerId(): string {
    return '';
  }

  // ---------------------------------------------------------------- counts and ids

  async nWorkers(): Promise<number> {
    return this.connector.zcard(this.keys.workers);
  }
  async nRunningWorkers(): Promise<number> {
    return this.connector.scard(this.keys.runningWorkers);
  }
  async nTerminatedWorkers(): Promise<number> {
    return this.connector.scard(this.keys.terminatedWorkers);
  }
  /** Ids of all registered workers, in registration order. */
  async workerIds(): Promise<string[]> {
    return this.connector.zrange(this.keys.workers, 0, -1);
  }
  async runningWorkerIds(): Promise<string[]> {
    return this.connector.smembers(this.keys.runningWorkers);
  }
  async terminatedWorkerIds(): Promise<string[]> {
    return this.connector.smembers(this.keys.terminatedWorkers);
  }
  /** Keys of all tasks in creation order. */
  async tasks(): Promise<string[]> {
    return this.connector.lrange(this.keys.tasks, 0, -1);
  }
  /** Keys of queued tasks in the order they will be popped. */
  async queuedTasks(): Promise<string[]> {
    return this.connector.lrange(this.keys.queued, 0, -1);
  }
  async runningTasks(): Promise<string[]> {
    return this.connector.smembers(this.keys.running);
  }
  /** Keys of finished tasks in finish order. */
  async finishedTasks(): Promise<string[]> {
    return this.connector.lrange(this.keys.finished, 0, -1);
  }
  async failedTasks(): Promise<string[]> {
    return this.connector.smembers(this.keys.failed);
  }
  async nTasks(): Promise<number> {
    return this.connector.llen(this.keys.tasks);
  }
  async nQueuedTasks(): Promise<number> {
    return this.connector.llen(this.keys.queued);
  }
  async nRunningTasks(): Promise<number> {
    return this.connector.scard(this.keys.running);
  }
  async nFinishedTasks(): Promise<number> {
    return this.connector.llen(this.keys.finished);
  }
  async nFailedTasks(): Promise<number> {
    return this.connector.scard(this.keys.failed);
  }

  /** One row per registered worker, in registration order. */
  async workerInfo(): Promise<WorkerInfo[]> {
    const reply = await runScript<(string | number | null)[]>(
      this.connector,
      'worker_info',
      [this.keys.workers, this.keys.runningWorkers],
      [this.keys.prefix],
    );
    const rows: WorkerInfo[] = [];
    for (let i = 0; i < reply.length; i += 5) {
      rows.push({
        worker_id: String(reply[i]),
        pid: Number(reply[i + 2]),
        hostname: String(reply[i + 3] ?? ''),
        heartbeat: reply[i + 4] === '1',
        state: reply[i + 1] === 1 ? 'running' : 'terminated',
      });
    }
    return rows;
  }

  /** Worker and task counts in one consistent read (one round trip). */
  async counts(): Promise<NetworkCounts> {
    const k = this.keys;
    const replies = await this.connector
      .multi()
      .scard(k.runningWorkers)
      .scard(k.terminatedWorkers)
      .llen(k.queued)
      .scard(k.running)
      .llen(k.finished)
      .scard(k.failed)
      .exec();
    const [runningWorkers, terminatedWorkers, queued, running, finished, failed] = unwrap(
      replies,
    ) as number[];
    return {
      runningWorkers: runningWorkers!,
      terminatedWorkers: terminatedWorkers!,
      queued: queued!,
      running: running!,
      finished: finished!,
      failed: failed!,
    };
  }

  /** A short summary: class, network, running workers and task counts. */
  async format(): Promise<string> {
    const c = await this.counts();
    return [
      `<${this.constructor.name}> network '${this.networkId}'`,
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

  toString(): string {
    return `<${this.constructor.name}> network '${this.networkId}'`;
  }

  // ---------------------------------------------------------------- creating tasks

  /** Creates queued tasks; they are popped in the order pushed. Returns their keys. */
  async pushTasks(xss: XS[], options?: PushTasksOptions): Promise<string[]> {
    const o = checkOptions('options', options, ['xssExtra']);
    const n = checkObjectArray('xss', xss).length;
    return this.#push('queued', '', n, [
      ['xs', xss, 'xss'],
      ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
    ]);
  }

  /** Creates running tasks owned by this participant. Returns their keys. */
  async pushRunningTasks(xss: XS[], options?: PushTasksOptions): Promise<string[]> {
    const o = checkOptions('options', options, ['xssExtra']);
    const n = checkObjectArray('xss', xss).length;
    return this.#push('running', this.taskWorkerId, n, [
      ['xs', xss, 'xss'],
      ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
    ]);
  }

  /** Creates finished tasks. Returns their keys. */
  async pushFinishedTasks(
    xss: XS[],
    yss: YS[],
    options?: PushFinishedTasksOptions,
  ): Promise<string[]> {
    const o = checkOptions('options', options, ['xssExtra', 'yssExtra']);
    const n = checkObjectArray('xss', xss).length;
    return this.#push('finished', this.taskWorkerId, n, [
      ['xs', xss, 'xss'],
      ['ys', checkCompanion('yss', yss, n) ?? missing('yss'), 'yss'],
      ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
      ['ys_extra', checkCompanion('yssExtra', o.yssExtra, n), 'yssExtra'],
    ]);
  }

  /** Creates failed tasks. Returns their keys. */
  async pushFailedTasks(xss: XS[], options?: PushFailedTasksOptions): Promise<string[]> {
    const o = checkOptions('options', options, ['xssExtra', 'conditions']);
    const n = checkObjectArray('xss', xss).length;
    return this.#push('failed', this.taskWorkerId, n, [
      ['xs', xss, 'xss'],
      ['xs_extra', checkCompanion('xssExtra', o.xssExtra, n), 'xssExtra'],
      [
        'condition',
        checkConditions('conditions', o.conditions, n) ?? [{ message: 'Task failed' }],
        'conditions',
      ],
    ]);
  }

  /** Encodes every value first (so bad input writes nothing), then creates the tasks. */
  async #push(
    state: TaskState,
    workerId: string,
    n: number,
    columns: [field: string, values: readonly object[] | undefined, argument: string][],
  ): Promise<string[]> {
    if (n === 0) return [];
    const present = columns.filter(
      (c): c is [string, readonly object[], string] => c[1] !== undefined,
    );
    const encoded = present.map(([, values, argument]) => this.#encodeColumn(values, argument, n));
    const keys = Array.from({ length: n }, () => randomUUID());
    const fieldNames = present.map(([field]) => field);
    const scriptKeys = [this.keys.tasks, this.keys[state], this.keys.finishedRecords];
    await this.#writeChunked(n, 'push_tasks', scriptKeys, (from, to) => {
      const args: ScriptArg[] = [
        this.keys.taskPrefix,
        state,
        workerId,
        this.keys.events,
        fieldNames.length,
        ...fieldNames,
      ];
      for (let i = from; i < to; i++) {
        args.push(keys[i]!);
        for (const column of encoded) args.push(column[i]!);
      }
      return args;
    });
    return keys;
  }

  /** Encodes one value per task; a column of length 1 is encoded once and shared. */
  #encodeColumn(values: readonly unknown[], argument: string, n: number): Buffer[] {
    if (values.length === 1 && n > 1) {
      const one = encodeWithinLimit(values[0], `${argument}[0]`, this.#largeObjects);
      return new Array<Buffer>(n).fill(one);
    }
    return values.map((v, i) => encodeWithinLimit(v, `${argument}[${i}]`, this.#largeObjects));
  }

  /**
   * Runs a writing script for chunks of `n` items (`args` builds a chunk's arguments): one
   * call when one chunk suffices, else all chunks in one pipeline (one round trip).
   * Returns the replies in order.
   */
  async #writeChunked<T>(
    n: number,
    script: ScriptName,
    keys: readonly string[],
    args: (from: number, to: number) => ScriptArg[],
  ): Promise<T[]> {
    if (n <= WRITE_CHUNK) return [await runScript<T>(this.connector, script, keys, args(0, n))];
    const pipeline = this.connector.pipeline();
    for (let from = 0; from < n; from += WRITE_CHUNK) {
      queueScript(pipeline, script, keys, args(from, Math.min(n, from + WRITE_CHUNK)));
    }
    return unwrap(await pipeline.exec()) as T[];
  }

  // ---------------------------------------------------------------- changing state

  /**
   * Takes the next queued task and marks it running, waiting up to `timeout` seconds for one.
   * Atomic: each task goes to exactly one caller. Returns `null` when none came.
   */
  async popTask(options?: PopTaskOptions): Promise<PoppedTask<XS> | null> {
    const [task] = await this.#pop(1, options);
    return task ?? null;
  }

  /**
   * Takes up to `n` queued tasks at once and marks them running (one round trip for all),
   * waiting up to `timeout` seconds for the first. Returns `[]` when none came. For loops whose
   * tasks are short, it cuts the per-task overhead; finish them with one `finishTasks` call.
   */
  async popTasks(n: number, options?: PopTaskOptions): Promise<PoppedTask<XS>[]> {
    checkPositiveInteger('n', n);
    return this.#pop(n, options);
  }

  async #pop(n: number, options: PopTaskOptions | undefined): Promise<PoppedTask<XS>[]> {
    const o = checkOptions('options', options, ['timeout', 'fields']);
    const timeout = checkSeconds('timeout', o.timeout ?? 1, { infinite: true });
    const fields = checkFields('fields', o.fields ?? ['xs']);
    const pending = this.keys.pending(this.popperId);
    if (!this.#popperRegistered) {
      // reset() finds pending lists and last pops through this set.
      await explained(this.connector.sadd(this.keys.poppers, this.popperId));
      this.#popperRegistered = true;
    }
    const scriptKeys = [
      pending,
      this.keys.queued,
      this.keys.running,
      this.keys.lastPop(this.popperId),
    ];
    const take = async (claim: string, count: number) => {
      // A fresh request id per call: a resend after a reconnect repeats the id, not the pop.
      const request = this.#popNonce + (++this.#pops).toString(36);
      const reply = await runScript<RawReply | null>(
        this.connector,
        'pop_task',
        scriptKeys,
        [this.keys.taskPrefix, this.taskWorkerId, claim, count, request, ...fields],
        true,
      );
      return reply ? poppedTasks<XS>(reply, fields) : [];
    };
    const tasks = await take('', n);
    if (tasks.length > 0 || timeout === 0) return tasks;

    // Block on a connection of its own, moving the task into this caller's pending list so
    // that a crash before it is marked running leaves it where lost-worker detection looks.
    const blocking = await this.#blockingClient();
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const remaining = (deadline - Date.now()) / 1000;
      if (remaining <= 0) return [];
      const key = await blocking.blmove(
        this.keys.queued,
        pending,
        'LEFT',
        'RIGHT',
        Number.isFinite(remaining) ? Math.max(remaining, 0.01) : 0,
      );
      if (key === null) return [];
      // An empty result: another actor failed the task while it was pending; wait on.
      const claimed = await take(key, n - 1);
      if (claimed.length > 0) return claimed;
    }
  }

  async #blockingClient(): Promise<Redis> {
    this.#blocking ??= await this.#open('blocking');
    return this.#blocking;
  }

  /**
   * Moves running tasks to finished with their results. First writer wins: tasks no longer
   * running are left as they are, with a warning. Returns the keys that moved.
   */
  async finishTasks(keys: string[], yss: YS[], options?: FinishTasksOptions): Promise<string[]> {
    const o = checkOptions('options', options, ['yssExtra']);
    const n = checkKeys('keys', keys).length;
    const ys = this.#encodeColumn(checkCompanion('yss', yss, n) ?? missing('yss'), 'yss', n);
    const extra = checkCompanion('yssExtra', o.yssExtra, n);
    const ysExtra = extra ? this.#encodeColumn(extra, 'yssExtra', n) : undefined;
    if (n === 0) return [];
    const scriptKeys = [this.keys.running, this.keys.finished, this.keys.finishedRecords];
    const replies = await this.#writeChunked<string[]>(
      n,
      'finish_tasks',
      scriptKeys,
      (from, to) => {
        const args: ScriptArg[] = [this.keys.taskPrefix, this.keys.events];
        for (let i = from; i < to; i++) args.push(keys[i]!, ys[i]!, ysExtra?.[i] ?? '');
        return args;
      },
    );
    return this.#reportDiscarded('finishTasks', keys, replies.flat());
  }

  /**
   * Moves running or queued tasks to failed with their conditions. First writer wins.
   * Returns the keys that moved.
   */
  async failTasks(keys: string[], options?: FailTasksOptions): Promise<string[]> {
    const o = checkOptions('options', options, ['conditions']);
    const n = checkKeys('keys', keys).length;
    const conditions = checkConditions('conditions', o.conditions, n) ?? [
      { message: 'Task failed' },
    ];
    if (n === 0) return [];
    const encoded = this.#encodeColumn(conditions, 'conditions', n);
    const failKeys = [this.keys.running, this.keys.queued, this.keys.failed];
    const replies = await this.#writeChunked<string[]>(n, 'fail_tasks', failKeys, (from, to) => {
      const args: ScriptArg[] = [this.keys.taskPrefix, this.keys.events];
      for (let i = from; i < to; i++) args.push(keys[i]!, encoded[i]!);
      return args;
    });
    return this.#reportDiscarded('failTasks', keys, replies.flat());
  }

  #reportDiscarded(method: string, keys: readonly string[], moved: string[]): string[] {
    if (moved.length < keys.length) {
      const movedSet = new Set(moved);
      const discarded = keys.filter((k) => !movedSet.has(k));
      this.logger.warn(
        { network: this.networkId, method, keys: discarded.slice(0, 20), count: discarded.length },
        `${method}: ${discarded.length} task(s) discarded: no longer in a state they can move from (first writer wins)`,
      );
    }
    return moved;
  }

  /** Moves queued tasks (all by default) to failed. Returns the keys that moved. */
  async emptyQueue(options?: EmptyQueueOptions): Promise<string[]> {
    const o = checkOptions('options', options, ['keys', 'conditions']);
    const keys = o.keys === undefined ? undefined : checkKeys('keys', o.keys);
    const conditions = checkConditions('conditions', o.conditions, keys?.length ?? 1) ?? [
      { message: 'Removed from queue' },
    ];
    if (keys?.length === 0) return [];
    const encoded = this.#encodeColumn(conditions, 'conditions', keys?.length ?? 1);
    const args: ScriptArg[] = [this.keys.taskPrefix, this.keys.events, encoded[0]!];
    keys?.forEach((key, i) => {
      args.push(key, encoded[i]!);
    });
    return runScript<string[]>(
      this.connector,
      'empty_queue',
      [this.keys.queued, this.keys.failed],
      args,
    );
  }

  // ---------------------------------------------------------------- reading tasks

  /** All tasks, in creation order. */
  async fetchTasks(options?: FetchOptions): Promise<TaskRow<XS, YS>[]> {
    const fields = this.#fetchFields(options, FETCH_DEFAULT_FIELDS);
    return this.#fetchCollection(this.keys.tasks, 'list', fields);
  }

  /** Queued tasks, in pop order. */
  async fetchQueuedTasks(options?: FetchOptions): Promise<TaskRow<XS, YS>[]> {
    const fields = this.#fetchFields(options, ['xs', 'xs_extra']);
    return this.#fetchCollection(this.keys.queued, 'list', fields);
  }

  async fetchRunningTasks(options?: FetchOptions): Promise<TaskRow<XS, YS>[]> {
    const fields = this.#fetchFields(options, ['xs', 'xs_extra', 'worker_id']);
    return this.#fetchCollection(this.keys.running, 'set', fields);
  }

  async fetchFailedTasks(options?: FetchOptions): Promise<TaskRow<XS, YS>[]> {
    const fields = this.#fetchFields(options, ['xs', 'xs_extra', 'worker_id', 'condition']);
    return this.#fetchCollection(this.keys.failed, 'set', fields);
  }

  /**
   * Finished tasks in finish order. Cached: each call reads from Redis only the tasks that
   * finished since the previous call. The rows are shared with the cache: do not modify them.
   */
  async fetchFinishedTasks(options?: FetchOptions): Promise<TaskRow<XS, YS>[]> {
    const fields = this.#fetchFields(options, FINISHED_DEFAULT_FIELDS);
    return this.#withCacheLock(async () => {
      const view = this.#cache.view(fields);
      await this.#reader.sync(view);
      return view.rows.slice() as TaskRow<XS, YS>[];
    });
  }

  /**
   * Finished tasks not returned by an earlier call of this method. With `timeout` (seconds),
   * waits until at least one task finishes or the time is up.
   */
  async fetchNewTasks(options?: FetchNewTasksOptions): Promise<TaskRow<XS, YS>[]> {
    const o = checkOptions('options', options, ['fields', 'timeout']);
    const fields = checkFields('fields', o.fields ?? FETCH_DEFAULT_FIELDS);
    const timeout = checkSeconds('timeout', o.timeout ?? 0, { infinite: true });
    const deadline = Date.now() + timeout * 1000;
    let generation = timeout > 0 ? await this.#events.ready() : 0;
    for (;;) {
      const rows = await this.#withCacheLock(async () => {
        const view = this.#cache.view(fields);
        await this.#reader.sync(view);
        const fresh = view.rowsFrom<XS, YS>(this.#cache.delivered);
        this.#cache.delivered = Math.max(this.#cache.delivered, view.consumed);
        return fresh;
      });
      if (rows.length > 0) return rows;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await this.#events.wait(generation, Math.min(remaining, MAX_EVENT_WAIT_MS));
      generation = this.#events.generation;
    }
  }

  /**
   * Tasks of the given states, each with a `state` property. One consistent snapshot: a task
   * appears once even when it changes state during the call. Finished tasks come from the cache.
   */
  async fetchTasksWithState(options?: FetchWithStateOptions): Promise<TaskRow<XS, YS>[]> {
    const o = checkOptions('options', options, ['fields', 'states']);
    const fields = checkFields('fields', o.fields ?? FINISHED_DEFAULT_FIELDS);
    const states = checkStates('states', o.states ?? [...TASK_STATES]);
    const others = (['queued', 'running', 'failed'] as const).filter((s) => states.includes(s));
    const withFinished = states.includes('finished');
    return this.#withCacheLock(async () => {
      const view = this.#cache.view(fields);
      const multi = this.connector.multi();
      for (const state of others) {
        const kind = state === 'queued' ? 'list' : 'set';
        queueScript(
          multi,
          'read_collection',
          [this.keys[state]],
          readCollectionArgs(this.keys, kind, 0, -1, fields),
          true,
        );
      }
      if (withFinished) this.#reader.queueFirstRead(multi, view);
      const replies = unwrap(await multi.exec());
      const missing: string[] = [];
      const rows: TaskRow<XS, YS>[] = [];
      others.forEach((state, i) => {
        for (const task of decodeTasks(decodeReply(replies[i] as Buffer), 1, fields, (key) =>
          missing.push(key),
        )) {
          const row = buildRow<XS, YS>(task, fields);
          row.state = state;
          rows.push(row);
        }
      });
      this.#warnMissing(missing);
      if (withFinished) {
        await this.#reader.sync(view, replies.slice(others.length));
        for (const row of view.rows) rows.push({ ...(row as TaskRow<XS, YS>), state: 'finished' });
      }
      return rows;
    });
  }

  /** Empties the finished-task cache; the next fetch reads every finished task again. */
  resetCache(): void {
    this.#cache.reset();
  }

  #fetchFields(options: FetchOptions | undefined, defaults: string[]): string[] {
    const o = checkOptions('options', options, ['fields']);
    return checkFields('fields', o.fields ?? defaults);
  }

  async #fetchCollection(
    collection: string,
    kind: 'list' | 'set',
    fields: string[],
  ): Promise<TaskRow<XS, YS>[]> {
    const args = readCollectionArgs(this.keys, kind, 0, -1, fields);
    const reply = decodeReply(
      await runScript<Buffer>(this.connector, 'read_collection', [collection], args, true),
    );
    const missing: string[] = [];
    const tasks = decodeTasks(reply, 1, fields, (key) => missing.push(key));
    this.#warnMissing(missing);
    return tasks.map((t) => buildRow<XS, YS>(t, fields));
  }

  /** Serializes updates of the cache, so concurrent calls never read the same tasks twice. */
  #withCacheLock<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#cacheLock.then(work, work);
    this.#cacheLock = run.catch(() => {});
    return run;
  }

  #warnMissing(keys: string[]): void {
    if (keys.length === 0) return;
    this.logger.warn(
      { network: this.networkId, keys: keys.slice(0, 20), count: keys.length },
      `${keys.length} task(s) have no data in Redis (evicted or deleted) and were dropped from the result`,
    );
  }

  // ---------------------------------------------------------------- waiting

  /**
   * Resolves when every task in `keys` is finished or failed, or when no worker is running.
   * @throws RushTimeoutError when `timeout` seconds pass first.
   */
  async waitForTasks(keys: string[], options?: WaitForTasksOptions): Promise<void> {
    const o = checkOptions('options', options, ['detectLostWorkers', 'timeout', 'progress']);
    checkKeys('keys', keys);
    const detect = checkBoolean('detectLostWorkers', o.detectLostWorkers ?? false);
    const timeout = checkSeconds('timeout', o.timeout ?? Number.POSITIVE_INFINITY, {
      infinite: true,
    });
    const progress = checkBoolean('progress', o.progress ?? false) ? new ProgressLine() : undefined;
    if (keys.length === 0) return;
    const deadline = Date.now() + timeout * 1000;
    let generation = await this.#events.ready();
    try {
      for (;;) {
        if (detect) await this.detectLostWorkers();
        const [open, runningWorkers] = await runScript<[number, number]>(
          this.connector,
          'wait_status',
          [this.keys.runningWorkers],
          [this.keys.taskPrefix, ...keys],
        );
        progress?.update(
          keys.length - open,
          keys.length,
          `tasks done · ${runningWorkers} worker(s) running`,
        );
        if (open === 0 || runningWorkers === 0) return;
        const remaining = deadline - Date.now();
        if (remaining <= 0) {
          throw new RushTimeoutError(
            `waitForTasks: ${open} of ${keys.length} task(s) still open after ${timeout} s`,
          );
        }
        await this.#events.wait(generation, Math.min(remaining, MAX_EVENT_WAIT_MS));
        generation = this.#events.generation;
      }
    } finally {
      progress?.finish();
    }
  }

  // ---------------------------------------------------------------- low-level access

  /**
   * Writes one hash per index: `values` maps a field to one value per hash (length-1 arrays
   * are used for every hash). Returns the keys written (new keys unless `keys` is given).
   */
  async writeHashes(
    values: Record<string, unknown[]>,
    options?: WriteHashesOptions,
  ): Promise<string[]> {
    const o = checkOptions('options', options, ['keys']);
    if (!isPlainObject(values)) {
      throw new RushInputError(
        'values',
        `must be an object of field → array of values, got ${describeValue(values)}`,
      );
    }
    const keys = o.keys === undefined ? undefined : checkKeys('keys', o.keys);
    const fields = Object.keys(values);
    checkFields('values', fields);
    let n = keys?.length;
    for (const field of fields) {
      const column = values[field];
      if (!Array.isArray(column)) {
        throw new RushInputError(
          `values.${field}`,
          `must be an array, got ${describeValue(column)}`,
        );
      }
      if (column.length === 1) continue;
      if (n === undefined || n === 1) n = column.length;
      if (column.length !== n) {
        throw new RushInputError(
          `values.${field}`,
          `must have length ${n} or 1, got length ${column.length}`,
        );
      }
    }
    n ??= fields.length > 0 ? 1 : 0;
    if (n === 0 || fields.length === 0) return keys ?? [];
    const count = n;
    const encoded = fields.map((field) => this.#encodeField(field, values[field]!, count));
    const targets = keys ?? Array.from({ length: count }, () => randomUUID());
    await this.#writeChunked(count, 'write_hashes', [this.keys.extraHashes], (from, to) => {
      const args: ScriptArg[] = [this.keys.taskPrefix, fields.length, ...fields];
      for (let i = from; i < to; i++) {
        args.push(targets[i]!);
        for (const column of encoded) args.push(column[i]!);
      }
      return args;
    });
    return targets;
  }

  #encodeField(field: string, column: readonly unknown[], n: number): (Buffer | string)[] {
    if (field !== 'worker_id' && field !== 'state')
      return this.#encodeColumn(column, `values.${field}`, n);
    column.forEach((v, i) => {
      if (typeof v !== 'string')
        throw new RushInputError(
          `values.${field}[${i}]`,
          `must be a string, got ${describeValue(v)}`,
        );
    });
    return column.length === 1
      ? new Array<string>(n).fill(column[0] as string)
      : (column as string[]);
  }

  /**
   * Reads fields of tasks (or hashes written with `writeHashes`). Rows are flattened like the
   * fetch methods' unless `flatten` is false; keys without data are dropped with a warning.
   */
  async readHashes(
    keys: string[],
    fields: string[],
    options?: ReadHashesOptions,
  ): Promise<Record<string, unknown>[]> {
    const o = checkOptions('options', options, ['flatten']);
    checkKeys('keys', keys);
    checkFields('fields', fields);
    const flatten = checkBoolean('flatten', o.flatten ?? true);
    if (keys.length === 0 || fields.length === 0) return [];
    const reply = await runScript<RawReply>(
      this.connector,
      'read_hashes',
      [],
      [this.keys.taskPrefix, fields.length, ...fields, ...keys],
      true,
    );
    const stride = fields.length + 1;
    const missing: string[] = [];
    const rows: Record<string, unknown>[] = [];
    keys.forEach((key, i) => {
      const at = i * stride;
      if (reply[at] === 0) {
        missing.push(key);
        return;
      }
      const record: TaskRecord = [key];
      for (const [j, field] of fields.entries())
        record.push(decodeField(field, reply[at + 1 + j] as Buffer | null));
      rows.push(flatten ? buildRow(record, fields) : buildRecord(record, fields));
    });
    this.#warnMissing(missing);
    return rows;
  }

  /** Reads fields of one task: `{ key, field: value, ... }`, or `null` when it has no data. */
  async readHash(key: string, fields: string[]): Promise<Record<string, unknown> | null> {
    checkKeys('key', [key]);
    const [row] = await this.readHashes([key], fields, { flatten: false });
    return row ?? null;
  }

  /** For each key, whether the task is running. */
  async isRunningTask(keys: string[]): Promise<boolean[]> {
    checkKeys('keys', keys);
    if (keys.length === 0) return [];
    return (await this.connector.smismember(this.keys.running, ...keys)).map((v) => v === 1);
  }

  /** For each key, whether the task failed. */
  async isFailedTask(keys: string[]): Promise<boolean[]> {
    checkKeys('keys', keys);
    if (keys.length === 0) return [];
    return (await this.connector.smismember(this.keys.failed, ...keys)).map((v) => v === 1);
  }

  /** Keys by state, for the given states, in one consistent read. */
  async tasksWithState(states: TaskState[]): Promise<Partial<Record<TaskState, string[]>>> {
    checkStates('states', states);
    const multi = this.connector.multi();
    for (const state of states) {
      if (state === 'queued' || state === 'finished') multi.lrange(this.keys[state], 0, -1);
      else multi.smembers(this.keys[state]);
    }
    const replies = unwrap(await multi.exec()) as string[][];
    const out: Partial<Record<TaskState, string[]>> = {};
    states.forEach((state, i) => {
      out[state] = replies[i]!;
    });
    return out;
  }

  // ---------------------------------------------------------------- reset

  /**
   * Removes the network's data. With `workers` (default) stops the workers and removes every
   * key of the network; without, removes only the tasks. One atomic step for other readers.
   */
  async reset(options?: ResetOptions): Promise<void> {
    const o = checkOptions('options', options, ['workers']);
    const workers = checkBoolean('workers', o.workers ?? true);
    if (workers) await this.#workers.stop({ type: 'kill' }, true);
    const k = this.keys;
    await runScript(
      this.connector,
      'reset',
      [
        k.tasks,
        k.queued,
        k.running,
        k.finished,
        k.failed,
        k.extraHashes,
        k.finishedRecords,
        k.workers,
        k.poppers,
        k.runningWorkers,
        k.terminatedWorkers,
        k.terminateAll,
        k.workerConfig,
      ],
      [k.prefix, workers ? '1' : '0', ...RushKeys.perWorkerKinds],
    );
    this.#cache.reset();
    this.#workers.resetLogPositions();
    this.#popperRegistered = false;
  }

  // ---------------------------------------------------------------- workers

  /** Local worker processes started by this manager, by worker id. */
  get processes(): ReadonlyMap<string, ChildProcess> {
    return this.#workers.processes;
  }

  /**
   * Starts workers as child processes of this process, each running `workerLoop`.
   * Returns their ids; use {@link waitForWorkers} to wait until they are registered.
   */
  startLocalWorkers(workerLoop: WorkerLoop, options?: StartLocalWorkersOptions): Promise<string[]> {
    return this.#workers.start(workerLoop, options, false);
  }

  /** Starts workers through a launcher (by default local processes). Returns their ids. */
  startWorkers(workerLoop: WorkerLoop, options?: StartWorkersOptions): Promise<string[]> {
    return this.#workers.start(workerLoop, options, true);
  }

  /**
   * A shell command that starts one worker of this network each time it runs, on any machine
   * that reaches Redis and has rushnet installed. Every value in it is shell-quoted; the copy
   * that is logged has the password redacted.
   */
  workerScript(workerLoop: WorkerLoop, options?: WorkerScriptOptions): Promise<string> {
    return this.#workers.script(workerLoop, options);
  }

  /**
   * Resolves when `n` workers (or all of `workerIds`) are registered.
   * @throws RushTimeoutError when the time is up.
   */
  waitForWorkers(options: WaitForWorkersOptions): Promise<void> {
    return this.#workers.waitFor(options);
  }

  /**
   * `kill` stops workers at once (through their launcher, or their heartbeat) and fails their
   * running and pending tasks; `terminate` asks their loops to finish (`terminated` turns true).
   * Returns the ids acted on; ids that are not running are skipped with a warning.
   */
  stopWorkers(options?: StopWorkersOptions): Promise<string[]> {
    return this.#workers.stop(options);
  }

  /**
   * Finds workers lost since the last call: local processes that exited without terminating,
   * and workers whose heartbeat expired. Moves them to terminated and fails their running and
   * pending tasks with `{ message: 'Worker has crashed or was killed' }`.
   */
  detectLostWorkers(): Promise<string[]> {
    return this.#workers.detectLost();
  }

  /** Log records of the workers, sorted by time. */
  readLog(options?: ReadLogOptions): Promise<LogRecord[]> {
    return this.#workers.readLog(options);
  }

  /** Prints the worker log records not printed before. */
  printLog(): Promise<void> {
    return this.#workers.printLog();
  }

  // ---------------------------------------------------------------- deprecated aliases

  /** @deprecated Use {@link finishTasks}. */
  async pushResults(keys: string[], yss: YS[], options?: FinishTasksOptions): Promise<string[]> {
    deprecated('pushResults', 'finishTasks');
    return this.finishTasks(keys, yss, options);
  }

  /** @deprecated Use {@link failTasks}. */
  async pushFailed(keys: string[], options?: FailTasksOptions): Promise<string[]> {
    deprecated('pushFailed', 'failTasks');
    return this.failTasks(keys, options);
  }

  /** @deprecated Use {@link startWorkers}. */
  async startRemoteWorkers(
    workerLoop: WorkerLoop,
    options?: StartWorkersOptions,
  ): Promise<string[]> {
    deprecated('startRemoteWorkers', 'startWorkers');
    return this.startWorkers(workerLoop, options);
  }

  /** Redacted URL of the server, for messages. */
  protected get redactedUrl(): string {
    return configToUrl(this.config, { redact: true });
  }
}

/** Creates a manager and checks that Redis answers. */
export async function rsh<XS extends object = TaskValues, YS extends object = TaskValues>(
  options?: RushOptions,
): Promise<Rush<XS, YS>> {
  return new Rush<XS, YS>(options).connect();
}

function deprecated(name: string, replacement: string): void {
  if (warnedDeprecations.has(name)) return;
  warnedDeprecations.add(name);
  logger.warn(`${name}() is deprecated: use ${replacement}()`);
}

function missing(argument: string): never {
  throw new RushInputError(argument, 'is required');
}
