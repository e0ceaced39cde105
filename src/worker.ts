/**
 * `RushWorker`: a registered participant that runs tasks. It has every method of `Rush`, and
 * a worker id that it stores with the tasks it creates and runs. A watch thread keeps its
 * heartbeat and watches for terminate and kill requests, even while the loop keeps the main
 * thread busy.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from './logging/logger.js';
import { DEFAULT_MAX_LOG_ENTRIES, RedisLogSink, WorkerLoggers } from './logging/redis-log.js';
import { checkLogThresholds, type LogThresholds } from './plan.js';
import { plainConfig } from './redis/config.js';
import * as calls from './redis/scripts/calls.js';
import { runScript, unwrap } from './redis/scripts/index.js';
import { SWEEP_CHUNK, sweepLostTasks } from './rush/lost-sweep.js';
import { runWrite, type WriteTarget } from './rush/write-path.js';
import { Rush, type RushOptions } from './rush.js';
import { encodeValue } from './tasks/codec.js';
import type { Condition, ProcessTasksOptions, TaskHandler, TaskValues } from './types.js';
import {
  checkCount,
  checkHeartbeat,
  checkNetworkId,
  checkOptions,
  checkWorkerId,
} from './validate.js';
import { ThreadWatch, TimerWatch, type WatchReport, type WorkerWatch } from './worker/watch.js';

/** Options of `new RushWorker()` and `RushWorker.create()`. */
export interface RushWorkerOptions extends RushOptions {
  /** The network to join. */
  networkId: string;
  /** @default a new UUID */
  workerId?: string;
  /** Seconds between heartbeats (integer >= 1). @default no heartbeat */
  heartbeatPeriod?: number;
  /** Seconds a heartbeat lives (>= period). @default 3 × heartbeatPeriod */
  heartbeatExpire?: number;
  /**
   * Store log records at or above these levels in Redis, by logger name
   * (e.g. `{ rushnet: 'info', myapp: 'debug' }`). @default records are not stored
   */
  logThresholds?: LogThresholds;
  /** Records buffered before they are written to Redis. @default 0 */
  logBufferSize?: number;
  /** Newest records kept in Redis for this worker. @default 10000 */
  maxLogEntries?: number;
}

const OPTION_NAMES = [
  'networkId',
  'config',
  'workerId',
  'heartbeatPeriod',
  'heartbeatExpire',
  'logThresholds',
  'logBufferSize',
  'maxLogEntries',
  'durability',
  'secret',
] as const;

/** The condition of tasks a worker still held when it terminated. */
const HELD_AT_TERMINATION: Condition = { message: 'Worker terminated before finishing the task' };

export class RushWorker<
  XS extends object = TaskValues,
  YS extends object = TaskValues,
> extends Rush<XS, YS> {
  readonly workerId: string;
  readonly hostname: string = hostname();
  readonly heartbeatPeriod: number | undefined;
  readonly heartbeatExpire: number | undefined;
  #logSettings: { thresholds: LogThresholds; bufferSize: number; maxEntries: number } | undefined;
  #loggers: WorkerLoggers | undefined;
  #terminated = false;
  #watch: WorkerWatch | undefined;
  #watchFailure: string | undefined;

  constructor(options: RushWorkerOptions) {
    const o = checkOptions('options', options, OPTION_NAMES);
    const networkId = checkNetworkId('networkId', o.networkId);
    const workerId =
      o.workerId === undefined ? randomUUID() : checkWorkerId('workerId', o.workerId);
    super(
      { networkId, config: o.config, durability: o.durability, secret: o.secret },
      { id: workerId, isWorker: true },
    );
    this.workerId = workerId;
    [this.heartbeatPeriod, this.heartbeatExpire] = checkHeartbeat(
      o.heartbeatPeriod,
      o.heartbeatExpire,
    );
    if (o.logThresholds !== undefined) {
      this.#logSettings = {
        thresholds: checkLogThresholds('logThresholds', o.logThresholds),
        bufferSize: checkCount('logBufferSize', o.logBufferSize ?? 0),
        maxEntries: checkCount('maxLogEntries', o.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES, 1),
      };
    }
  }

  /** Creates a worker and registers it in the network. */
  static async create<XS extends object = TaskValues, YS extends object = TaskValues>(
    options: RushWorkerOptions,
  ): Promise<RushWorker<XS, YS>> {
    return new RushWorker<XS, YS>(options).connect();
  }

  /** Connects, registers the worker as running, and starts its watch thread. */
  override async connect(): Promise<this> {
    // Connected already: the base answers (it rejects when the worker was closed).
    if (this.#watch) return super.connect();
    await super.connect();
    const k = this.keys;
    if (this.#logSettings) {
      const { thresholds, bufferSize, maxEntries } = this.#logSettings;
      const sink = new RedisLogSink(this.connector, k.log(this.workerId), bufferSize, maxEntries);
      this.#loggers = new WorkerLoggers(sink, thresholds, this.workerId);
    }
    await runWrite(
      this.#target,
      calls.registerWorker(k, {
        workerId: this.workerId,
        now: Date.now(),
        heartbeatExpire: this.heartbeatExpire,
        info: {
          pid: process.pid,
          hostname: this.hostname,
          heartbeat: this.heartbeatPeriod ? '1' : '0',
          heartbeat_expire: this.heartbeatExpire ?? '',
        },
      }),
    );
    const supervisor = Number(process.env.RUSHNET_SUPERVISOR_PID);
    const supervisorPid = Number.isInteger(supervisor) && supervisor > 0 ? supervisor : undefined;
    const flags = [k.terminateAll, k.terminate(this.workerId)];
    this.#watch = this.heartbeatPeriod
      ? new ThreadWatch(
          {
            // The password is not enumerable in this.config: hand the thread a plain copy.
            config: plainConfig(this.config),
            terminateAllKey: flags[0]!,
            runningWorkersKey: k.runningWorkers,
            workerId: this.workerId,
            terminateKey: flags[1]!,
            killKey: k.kill(this.workerId),
            heartbeat: {
              key: k.heartbeat(this.workerId),
              period: this.heartbeatPeriod,
              expire: this.heartbeatExpire!,
            },
            supervisorPid,
          },
          (report) => this.#onWatchReport(report),
          () =>
            runScript(
              this.connector,
              calls.heartbeat(k, { workerId: this.workerId, expire: this.heartbeatExpire! }),
            ),
        )
      : new TimerWatch(
          async () => {
            const [raised, running] = unwrap(
              await this.connector
                .multi()
                .mget(...flags)
                .sismember(k.runningWorkers, this.workerId)
                .exec(),
            ) as [(string | null)[], number];
            // A worker no longer among the running ones was declared lost or killed: it stops.
            return raised.some((flag) => flag !== null) || running === 0;
          },
          supervisorPid,
          (report) => this.#onWatchReport(report),
        );
    return this;
  }

  /**
   * Why this worker's watch gave up (a permanent Redis error), if it did: the worker was
   * then failed and terminated, and the runtime exits non-zero.
   */
  get watchFailure(): string | undefined {
    return this.#watchFailure;
  }

  /** Logs the watch's reports to the worker's log; a fatal one fails the worker clearly. */
  #onWatchReport(report: WatchReport): void {
    const worker = { network: this.networkId, workerId: this.workerId };
    if (report.kind === 'error') {
      this.logger.warn(
        { ...worker, err: report.message },
        'heartbeat and stop checks are failing; retrying',
      );
    } else if (report.kind === 'recovered') {
      this.logger.info(worker, 'heartbeat and stop checks work again');
    } else if (this.#watchFailure === undefined) {
      this.#watchFailure = report.message;
      this.logger.error(
        { ...worker, err: report.message },
        'heartbeat and stop checks failed for good: the worker stops',
      );
      this.failAndTerminate({
        message: `Worker stopped: its heartbeat failed (${report.message})`,
      }).catch((error: unknown) =>
        this.logger.error({ ...worker, err: String(error) }, "could not fail the worker's tasks"),
      );
    }
  }

  protected override loggerFor(name: string): Logger {
    return this.#loggers ? this.#loggers.get(name) : super.loggerFor(name);
  }

  /**
   * True once `stopWorkers({ type: 'terminate' })` asked this worker (or all) to stop.
   * Reading it costs no round trip; it turns true within half a second of the request.
   */
  get terminated(): boolean {
    return this.#terminated || (this.#watch?.terminateRequested ?? false);
  }

  /**
   * The queue pattern in one call: pops tasks, runs `handler` on up to `concurrency` at once,
   * and finishes each with the handler's result (or fails it with the error it threw). In steady
   * state a task costs one round trip: settling one task and taking the next travel together.
   * Resolves with the number of tasks processed once the worker is terminated, `maxTasks` were
   * processed, or `signal` aborts; the tasks in hand are settled first.
   * @typeParam TaskXS - the inputs of the tasks (the worker's `XS` unless given, or inferred from
   * the handler's annotated `task` parameter)
   * @typeParam TaskYS - what the handler returns (the worker's `YS` unless given)
   */
  processTasks<TaskXS extends object = XS, TaskYS extends object = YS>(
    handler: TaskHandler<TaskXS, NoInfer<TaskYS>>,
    options?: ProcessTasksOptions,
  ): Promise<number> {
    const loop = handler as unknown as TaskHandler<XS, YS>;
    return this.runTaskLoop(loop, options, () => this.terminated);
  }

  /** Marks the worker terminated in the network (the runtime calls it when the loop returns). */
  async setTerminated(): Promise<void> {
    // Tasks it still holds would stay running forever: they fail (first writer wins leaves the
    // finished ones alone). One script, which writes nothing when the worker is no longer
    // running (say after a reset), so it never brings back a deleted key.
    await this.failAndTerminate(HELD_AT_TERMINATION);
  }

  /**
   * Gives up: fails this worker's running and pending tasks with `condition` and marks it
   * terminated (the runtime calls it when the loop throws).
   */
  async failAndTerminate(condition: Condition): Promise<void> {
    this.#terminated = true;
    await runWrite(
      this.#target,
      calls.loseWorkers(this.keys, {
        workerIds: [this.workerId],
        condition: encodeValue(condition, 'condition'),
        expiredHeartbeats: false,
        sweepLimit: SWEEP_CHUNK,
      }),
    );
    await sweepLostTasks({ ...this.#target, keys: this.keys });
    await this.#loggers?.flush();
  }

  /** Where this worker's own state changes go, with its durability setting. */
  get #target(): WriteTarget {
    return {
      networkId: this.networkId,
      durability: this.durability,
      logger: this.logger,
      client: () => this.connector,
    };
  }

  protected override async closeConnections(): Promise<void> {
    await this.#watch?.stop();
    await this.#loggers?.flush();
    await super.closeConnections();
  }
}
