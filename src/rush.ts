/**
 * `Rush`: a participant of a rush network, and the public face of the task API. The manager is
 * a `Rush`; every worker is a `RushWorker`, which extends it. This class only connects and
 * delegates: writing tasks (rush/task-writer.ts), the queue (rush/queue.ts), reading and the
 * finished cache (rush/task-reader.ts), waiting (rush/waits.ts) and workers (workers/).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RushError } from './errors.js';
import type { ReadLogOptions } from './logging/log-reader.js';
import { getLogger, type Logger, logger } from './logging/logger.js';
import type { LogRecord } from './logging/redis-log.js';
import { rushConfig } from './plan.js';
import {
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
  readQueryBufferLimit,
} from './redis/connection.js';
import { RushKeys } from './redis/keys.js';
import * as calls from './redis/scripts/calls.js';
import { defineScripts } from './redis/scripts/index.js';
import { MANAGER_ID_PREFIX, type Participant, type RushContext } from './rush/context.js';
import { NetworkCounts } from './rush/counts.js';
import {
  type CheckedDurability,
  checkDurability,
  type Durability,
  runWrite,
} from './rush/durability.js';
import { TaskEvents } from './rush/events.js';
import { processTasks } from './rush/process-tasks.js';
import { TaskQueue } from './rush/queue.js';
import { TaskReader } from './rush/task-reader.js';
import { TaskWriter } from './rush/task-writer.js';
import { waitForTasks } from './rush/waits.js';
import { DEFAULT_FIELDS } from './tasks/fields.js';
import {
  encodeWithinLimit,
  type LargeObjectKind,
  type LargeObjectPolicy,
  removeLargeObjects,
  removingFilesOnFailure,
} from './tasks/large-objects.js';
import type * as T from './types.js';
import {
  checkBoolean,
  checkKeys,
  checkNetworkId,
  checkOptions,
  checkPositiveInteger,
} from './validate.js';
import type { WorkerLoop } from './workers/loop.js';
import type * as W from './workers/settings.js';
import { resolveSecret } from './workers/signing.js';
import { WorkerManager } from './workers/worker-manager.js';

export interface RushOptions {
  /** Identifies the network; manager and workers use the same id. @default a new UUID */
  networkId?: string;
  /** Redis to use. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /**
   * Key that signs the worker configurations this manager stores (SPEC §11); the workers it
   * starts receive it in their environment. @default the plan's, else `RUSHNET_SECRET`, else a
   * random key of this manager
   */
  secret?: string;
  /**
   * Every state change waits until `replicas` replicas have it (Redis `WAIT`, in the same round
   * trip), at most `timeout` seconds (default 1), so a failover cannot lose it. Workers started
   * by this manager use the same setting. @default none (Redis replicates asynchronously)
   */
  durability?: Durability;
}

type Rows<XS extends object, YS extends object> = Promise<T.TaskRow<XS, YS>[]>;

const warnedDeprecations = new Set<string>();
/** Bytes of values per command when writing many tasks: keeps every call short. */
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * The manager of a rush network, and the base of {@link RushWorker}.
 * @typeParam XS - the shape of task inputs
 * @typeParam YS - the shape of task outputs
 */
export class Rush<
  XS extends object = T.TaskValues,
  YS extends object = T.TaskValues,
> extends NetworkCounts {
  /** The Redis settings in use (the password is not enumerable, so it does not print). */
  readonly config: Readonly<ResolvedRedisConfig>;
  /** Replicas each state change waits for, or `undefined` (see `RushOptions.durability`). */
  readonly durability: Readonly<CheckedDurability> | undefined;
  /** Redis keys of this network. */
  protected override readonly keys: RushKeys;
  /** Who this instance is in the network (a manager, or the worker of a `RushWorker`). */
  protected readonly participant: Participant;

  readonly #networkId: string;
  readonly #largeObjects: LargeObjectPolicy;
  readonly #events: TaskEvents;
  readonly #writer: TaskWriter;
  readonly #queue: TaskQueue;
  readonly #reader: TaskReader;
  readonly #workers: WorkerManager;
  readonly #context: RushContext;
  #client: Redis | undefined;
  #closing: Promise<void> | undefined;

  constructor(options?: RushOptions, participant?: Participant) {
    super();
    const o = checkOptions('options', options, ['networkId', 'config', 'secret', 'durability']);
    this.durability = checkDurability(o.durability);
    this.#networkId =
      o.networkId === undefined ? randomUUID() : checkNetworkId('networkId', o.networkId);
    const plan = rushConfig();
    this.config = hidePassword(resolveConfig(o.config, plan.config));
    this.keys = new RushKeys(this.#networkId);
    this.participant = participant ?? { id: MANAGER_ID_PREFIX + randomUUID(), isWorker: false };
    this.#largeObjects = {
      maxObjectSize: plan.maxObjectSize ?? DEFAULT_MAX_BULK,
      path: plan.largeObjectsPath,
      networkId: this.#networkId,
    };
    this.#events = new TaskEvents(() => this.#open('events'), this.keys.events);
    const self = this;
    const context = {
      networkId: this.#networkId,
      keys: this.keys,
      participant: this.participant,
      config: this.config,
      events: this.#events,
      durability: this.durability,
      get logger() {
        return self.logger;
      },
      client: () => this.connector,
      open: (role: string) => this.#open(role),
      encode: (value: unknown, argument: string, kind?: LargeObjectKind) =>
        encodeWithinLimit(value, argument, this.#largeObjects, kind),
      warnMissing: (keys: readonly string[]) => this.#warnMissing(keys),
      // A value is at most maxObjectSize (≤ half the query buffer): a chunk may add one more.
      maxCommandBytes: () => Math.min(MAX_CHUNK_BYTES, this.#largeObjects.maxObjectSize),
      plan: rushConfig,
      secret: resolveSecret(o.secret, plan.secret),
    } satisfies RushContext & { config: unknown; plan: unknown; secret: string };
    this.#context = context;
    this.#writer = removingFilesOnFailure(new TaskWriter(context));
    this.#queue = new TaskQueue(context);
    this.#reader = new TaskReader(context);
    this.#workers = new WorkerManager(context);
  }

  /** The network's id (read-only). */
  override get networkId(): string {
    return this.#networkId;
  }

  /** Connects to Redis and checks that it answers. @throws RushConfigError within seconds when it does not. */
  async connect(): Promise<this> {
    if (this.#client) return this;
    const client = await this.#open('main');
    if (rushConfig().maxObjectSize === undefined) {
      // A value must fit in one bulk string, and its command in the server's query buffer
      // (a server drops a connection whose command is larger, and a resend would never end).
      const [maxBulk, queryBuffer] = await Promise.all([
        readMaxBulkLength(client),
        readQueryBufferLimit(client),
      ]);
      this.#largeObjects.maxObjectSize = Math.min(maxBulk, Math.floor(queryBuffer / 2));
    }
    this.#client = client;
    return this;
  }

  async #open(role: string): Promise<Redis> {
    const client = await openConnection(this.config, `rushnet:${this.#networkId}:${role}`);
    defineScripts(client);
    return client;
  }

  /** The Redis client in use. */
  override get connector(): Redis {
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
    await Promise.all([this.#events.close(), this.#queue.close()]);
    if (this.#client) await closeConnection(this.#client);
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

  #warnMissing(keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.logger.warn(
      { network: this.#networkId, keys: keys.slice(0, 20), count: keys.length },
      `${keys.length} task(s) have no data in Redis (evicted or deleted) and were dropped from the result`,
    );
  }

  override toString(): string {
    return `<${this.constructor.name}> network '${this.#networkId}'`;
  }

  // ---------------------------------------------------------------- creating and moving tasks

  /** Creates queued tasks; they are popped in the order pushed. Returns their keys. */
  pushTasks(xss: XS[], options?: T.PushTasksOptions): Promise<string[]> {
    return this.#writer.push('queued', xss, options);
  }
  /** Creates running tasks owned by this participant. Returns their keys. */
  pushRunningTasks(xss: XS[], options?: T.PushTasksOptions): Promise<string[]> {
    return this.#writer.push('running', xss, options);
  }
  /** Creates finished tasks. Returns their keys. */
  pushFinishedTasks(xss: XS[], yss: YS[], options?: T.PushFinishedTasksOptions): Promise<string[]> {
    return this.#writer.pushFinished(xss, yss, options);
  }
  /** Creates failed tasks. Returns their keys. */
  pushFailedTasks(xss: XS[], options?: T.PushFailedTasksOptions): Promise<string[]> {
    return this.#writer.pushFailed(xss, options);
  }

  /**
   * Takes the next queued task and marks it running, waiting up to `timeout` seconds for one.
   * Atomic: each task goes to exactly one caller. Returns `null` when none came.
   */
  async popTask(options?: T.PopTaskOptions): Promise<T.PoppedTask<XS> | null> {
    const [task] = await this.#queue.pop(1, options);
    return (task as T.PoppedTask<XS> | undefined) ?? null;
  }

  /**
   * Takes up to `n` queued tasks at once and marks them running (one round trip for all),
   * waiting up to `timeout` seconds for the first. Returns `[]` when none came.
   */
  async popTasks(n: number, options?: T.PopTaskOptions): Promise<T.PoppedTask<XS>[]> {
    checkPositiveInteger('n', n);
    return this.#queue.pop(n, options) as Promise<T.PoppedTask<XS>[]>;
  }

  /** The queue loop of `RushWorker.processTasks` (here because it drives this instance's queue). */
  protected runTaskLoop(
    handler: T.TaskHandler<XS, YS>,
    options: T.ProcessTasksOptions | undefined,
    shouldStop: () => boolean,
  ): Promise<number> {
    const loop = handler as unknown as T.TaskHandler<object, object>;
    return processTasks(this.#context, this.#queue, loop, options, shouldStop);
  }

  /** Moves running tasks to finished (first writer wins). Returns the keys that moved. */
  finishTasks(keys: string[], yss: YS[], options?: T.FinishTasksOptions): Promise<string[]> {
    return this.#writer.finish(keys, yss, options);
  }
  /** Moves running or queued tasks to failed (first writer wins). Returns the keys that moved. */
  failTasks(keys: string[], options?: T.FailTasksOptions): Promise<string[]> {
    return this.#writer.fail(keys, options);
  }
  /** Moves queued tasks (all by default) to failed. Returns the keys that moved. */
  emptyQueue(options?: T.EmptyQueueOptions): Promise<string[]> {
    return this.#writer.emptyQueue(options);
  }

  // ---------------------------------------------------------------- reading tasks

  /** All tasks, in creation order. */
  fetchTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchCollection('all', options, DEFAULT_FIELDS.fetchTasks));
  }
  /** Queued tasks, in pop order. */
  fetchQueuedTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(
      this.#reader.fetchCollection('queued', options, DEFAULT_FIELDS.fetchQueuedTasks),
    );
  }
  fetchRunningTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(
      this.#reader.fetchCollection('running', options, DEFAULT_FIELDS.fetchRunningTasks),
    );
  }
  fetchFailedTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(
      this.#reader.fetchCollection('failed', options, DEFAULT_FIELDS.fetchFailedTasks),
    );
  }
  /**
   * Finished tasks in finish order. Cached: each call reads from Redis only the tasks that
   * finished since the previous call. The rows are frozen (they are shared with the cache).
   */
  fetchFinishedTasks(options?: T.FetchOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchFinished(options));
  }
  /** Finished tasks not returned by an earlier call; with `timeout` (s), waits for one. */
  fetchNewTasks(options?: T.FetchNewTasksOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchNew(options));
  }
  /** Tasks of the given states, each with a `state` property, in one consistent snapshot. */
  fetchTasksWithState(options?: T.FetchWithStateOptions): Rows<XS, YS> {
    return this.#rows(this.#reader.fetchWithState(options));
  }
  /** Empties the finished-task cache; the next fetch reads every finished task again. */
  resetCache(): void {
    this.#reader.resetCache();
  }

  #rows(rows: Promise<T.TaskRow<object, object>[]>): Rows<XS, YS> {
    return rows as Rows<XS, YS>;
  }

  /**
   * Resolves when every task in `keys` is finished or failed, or when no worker is running.
   * @throws RushTimeoutError when `timeout` seconds pass first.
   */
  waitForTasks(keys: string[], options?: T.WaitForTasksOptions): Promise<void> {
    return waitForTasks(this.#context, keys, options, () => this.detectLostWorkers());
  }

  // ---------------------------------------------------------------- low-level access

  /** Writes one hash per index (see SPEC §4). Returns the keys written. */
  writeHashes(
    values: Record<string, unknown[]>,
    options?: T.WriteHashesOptions,
  ): Promise<string[]> {
    return this.#writer.writeHashes(values, options);
  }
  /** Reads fields of tasks (or hashes from `writeHashes`), flattened unless `flatten` is false. */
  readHashes(
    keys: string[],
    fields: string[],
    options?: T.ReadHashesOptions,
  ): Promise<Record<string, unknown>[]> {
    return this.#reader.readHashes(keys, fields, options);
  }
  /** Reads fields of one task: `{ key, field: value, ... }`, or `null` when it has no data. */
  async readHash(key: string, fields: string[]): Promise<Record<string, unknown> | null> {
    checkKeys('key', [key]);
    const [row] = await this.#reader.readHashes([key], fields, { flatten: false });
    return row ?? null;
  }
  /** For each key, whether the task is running. */
  isRunningTask(keys: string[]): Promise<boolean[]> {
    return this.#reader.isInState('running', keys);
  }
  /** For each key, whether the task failed. */
  isFailedTask(keys: string[]): Promise<boolean[]> {
    return this.#reader.isInState('failed', keys);
  }
  /** Keys by state, for the given states, in one consistent read. */
  tasksWithState(states: T.TaskState[]): Promise<Partial<Record<T.TaskState, string[]>>> {
    return this.#reader.keysByState(states);
  }

  /**
   * Removes the network's data. With `workers` (default) stops the workers and removes every
   * key of the network; without, removes only the tasks. One atomic step for other readers.
   */
  async reset(options?: T.ResetOptions): Promise<void> {
    const o = checkOptions('options', options, ['workers']);
    const workers = checkBoolean('workers', o.workers ?? true);
    if (workers) {
      // Wait until workers reached through their heartbeat are gone: they could write after.
      await this.#workers.stop({ type: 'kill' }, { warnSkipped: false, awaitKills: true });
    }
    await runWrite(this.#context, calls.reset(this.keys, { workers }));
    removeLargeObjects(this.#largeObjects, { workers });
    this.#reader.resetCache();
    this.#workers.resetLogPositions();
    this.#queue.forgetRegistration();
  }

  // ---------------------------------------------------------------- workers

  /** Local worker processes started by this manager, by worker id. */
  get processes(): ReadonlyMap<string, ChildProcess> {
    return this.#workers.processes;
  }
  /** Starts workers as child processes of this process. Returns their ids. */
  startLocalWorkers(
    workerLoop: WorkerLoop,
    options?: W.StartLocalWorkersOptions,
  ): Promise<string[]> {
    return this.#workers.start(workerLoop, options, { launcherAllowed: false });
  }
  /** Starts workers through a launcher (by default local processes). Returns their ids. */
  startWorkers(workerLoop: WorkerLoop, options?: W.StartWorkersOptions): Promise<string[]> {
    return this.#workers.start(workerLoop, options, { launcherAllowed: true });
  }
  /** A shell command that starts one worker of this network each time it runs. */
  workerScript(workerLoop: WorkerLoop, options?: W.WorkerScriptOptions): Promise<string> {
    return this.#workers.script(workerLoop, options);
  }
  /** Resolves when `n` workers (or all of `workerIds`) are registered. */
  waitForWorkers(options: W.WaitForWorkersOptions): Promise<void> {
    return this.#workers.waitFor(options);
  }
  /** `kill` stops workers at once and fails their tasks; `terminate` asks their loops to end. */
  stopWorkers(options?: W.StopWorkersOptions): Promise<string[]> {
    return this.#workers.stop(options);
  }
  /** Finds workers lost since the last call (exited processes, expired heartbeats). */
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
  pushResults(keys: string[], yss: YS[], options?: T.FinishTasksOptions): Promise<string[]> {
    deprecated('pushResults', 'finishTasks');
    return this.finishTasks(keys, yss, options);
  }
  /** @deprecated Use {@link failTasks}. */
  pushFailed(keys: string[], options?: T.FailTasksOptions): Promise<string[]> {
    deprecated('pushFailed', 'failTasks');
    return this.failTasks(keys, options);
  }
  /** @deprecated Use {@link startWorkers}. */
  startRemoteWorkers(workerLoop: WorkerLoop, options?: W.StartWorkersOptions): Promise<string[]> {
    deprecated('startRemoteWorkers', 'startWorkers');
    return this.startWorkers(workerLoop, options);
  }
}

/** Creates a manager and checks that Redis answers. */
export async function rsh<XS extends object = T.TaskValues, YS extends object = T.TaskValues>(
  options?: RushOptions,
): Promise<Rush<XS, YS>> {
  return new Rush<XS, YS>(options).connect();
}

function deprecated(name: string, replacement: string): void {
  if (warnedDeprecations.has(name)) return;
  warnedDeprecations.add(name);
  logger.warn(`${name}() is deprecated: use ${replacement}()`);
}
