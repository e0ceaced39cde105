/**
 * The manager's side of workers: storing the worker configuration, starting workers through a
 * launcher, waiting for them, stopping them, finding lost ones, and reading their logs.
 * It depends only on a narrow context, not on the `Rush` class.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Redis } from 'ioredis';
import {
  describeValue,
  explained,
  RushError,
  RushInputError,
  RushTimeoutError,
} from '../errors.js';
import type { WorkerLauncher, WorkerSpec } from '../launchers/launcher.js';
import { LocalLauncher } from '../launchers/local.js';
import type { Logger } from '../logging/logger.js';
import {
  DEFAULT_MAX_LOG_ENTRIES,
  formatLogRecord,
  type LogRecord,
  parseLogLines,
} from '../logging/redis-log.js';
import { checkLogThresholds, type LogThresholds, rushConfig } from '../plan.js';
import { ProgressLine } from '../progress.js';
import { configToUrl, type ResolvedRedisConfig } from '../redis/config.js';
import type { RushKeys } from '../redis/keys.js';
import { runScript } from '../redis/scripts/index.js';
import type { TaskEvents } from '../rush/events.js';
import { encodeValue } from '../tasks/codec.js';
import {
  checkBoolean,
  checkHeartbeat,
  checkKeys,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
  isPlainObject,
} from '../validate.js';
import { LATEST_CONFIG, storeLoop, type WorkerConfig, type WorkerLoop } from './loop.js';

/** What the worker machinery needs from its manager. */
export interface WorkerContext {
  readonly networkId: string;
  readonly keys: RushKeys;
  readonly config: Readonly<ResolvedRedisConfig>;
  readonly logger: Logger;
  readonly events: TaskEvents;
  client(): Redis;
  /** Encodes a value, moving it to a file when it is over the size limit. */
  encode(value: unknown, argument: string): Buffer;
}

/** Options shared by every way of starting workers. */
export interface WorkerScriptOptions {
  /** Arguments passed to the loop after the worker, encoded like task values. */
  args?: unknown[];
  /** Packages imported on the worker before the loop starts. */
  packages?: string[];
  /** Log records at or above these levels are stored in Redis. @default the plan's, else { rushnet: 'info' } */
  logThresholds?: LogThresholds;
  /** Records buffered before they are written to Redis. @default the plan's, else 0 */
  logBufferSize?: number;
  /** Newest records each worker keeps in Redis. @default 10000 */
  maxLogEntries?: number;
  /** Seconds between heartbeats (integer >= 1). @default no heartbeat */
  heartbeatPeriod?: number;
  /** Seconds a heartbeat lives. @default 3 × heartbeatPeriod */
  heartbeatExpire?: number;
  /** Existing directory for `message_<workerId>.log` (stderr and log messages). */
  messageLog?: string;
  /** Existing directory for `output_<workerId>.log` (stdout). */
  outputLog?: string;
}

export interface StartLocalWorkersOptions extends WorkerScriptOptions {
  /** @default the plan's nWorkers, else the number of cores */
  nWorkers?: number;
  /** The workers die with this process. @default true */
  supervise?: boolean;
}

export interface StartWorkersOptions extends StartLocalWorkersOptions {
  /** Where the workers run. @default a launcher of local processes */
  launcher?: WorkerLauncher;
}

export interface WaitForWorkersOptions {
  /** Resolve once this many workers are registered. */
  n?: number;
  /** Resolve once all of these workers are registered. */
  workerIds?: string[];
  /** Seconds; 0 checks once. @default the plan's startWorkerTimeout, else Infinity */
  timeout?: number;
  /** Show progress on stderr when it is a terminal. @default false */
  progress?: boolean;
}

export interface StopWorkersOptions {
  /** `kill` stops at once; `terminate` asks the loops to finish. @default 'kill' */
  type?: 'kill' | 'terminate';
  /** @default every running worker */
  workerIds?: string[];
}

export interface ReadLogOptions {
  /** @default every worker */
  workerIds?: string[];
  /** Add `time_difference`: seconds since the previous record. @default false */
  timeDifference?: boolean;
}

const SCRIPT_OPTIONS = [
  'args',
  'packages',
  'logThresholds',
  'logBufferSize',
  'maxLogEntries',
  'heartbeatPeriod',
  'heartbeatExpire',
  'messageLog',
  'outputLog',
] as const;
const MAX_EVENT_WAIT_MS = 1000;
const KILLED = { message: 'Worker was killed' };
const LOST = { message: 'Worker has crashed or was killed' };

export class WorkerManager {
  /** Local worker processes started by this manager, by worker id. */
  readonly processes = new Map<string, ChildProcess>();
  readonly #localLauncher = new LocalLauncher(this.processes);
  readonly #launchers = new Map<string, WorkerLauncher>();
  readonly #printed = new Map<string, number>();

  constructor(private readonly ctx: WorkerContext) {}

  /** Stores the configuration and starts workers through the launcher. Returns their ids. */
  async start(
    loop: WorkerLoop,
    options: StartWorkersOptions | undefined,
    withLauncher: boolean,
  ): Promise<string[]> {
    const known = [
      ...SCRIPT_OPTIONS,
      'nWorkers',
      'supervise',
      ...(withLauncher ? (['launcher'] as const) : []),
    ] as const;
    const o = checkOptions('options', options, known as readonly (keyof StartWorkersOptions)[]);
    const nWorkers = checkPositiveInteger(
      'nWorkers',
      o.nWorkers ?? rushConfig().nWorkers ?? availableParallelism(),
    );
    const supervise = checkBoolean('supervise', o.supervise ?? true);
    const launcher = o.launcher === undefined ? this.#localLauncher : checkLauncher(o.launcher);
    const config = this.#workerConfig(loop, o);
    const configId = await this.#storeConfig(config);

    const env = { REDIS_URL: configToUrl(this.ctx.config, { redact: false }) };
    const specs: WorkerSpec[] = Array.from({ length: nWorkers }, () => {
      const workerId = randomUUID();
      return {
        workerId,
        args: [
          'worker',
          '--network',
          this.ctx.networkId,
          '--worker-id',
          workerId,
          '--config',
          configId,
        ],
        env,
        messageLog: o.messageLog,
        outputLog: o.outputLog,
        supervise,
      };
    });
    await launcher.start(specs);
    for (const spec of specs) this.#launchers.set(spec.workerId, launcher);
    this.ctx.logger.info(
      { network: this.ctx.networkId, launcher: launcher.name, n: nWorkers },
      'started workers',
    );
    return specs.map((s) => s.workerId);
  }

  /** Stores the configuration and returns a shell command that starts one worker per run. */
  async script(loop: WorkerLoop, options: WorkerScriptOptions | undefined): Promise<string> {
    const o = checkOptions('options', options, SCRIPT_OPTIONS);
    const config = this.#workerConfig(loop, o);
    const configId = await this.#storeConfig(config);
    const command = (url: string) => {
      const flags: [string, string][] = [
        ['--network', this.ctx.networkId],
        ['--url', url],
        ['--config', configId],
      ];
      if (config.heartbeatPeriod !== undefined) {
        flags.push(
          ['--heartbeat-period', String(config.heartbeatPeriod)],
          ['--heartbeat-expire', String(config.heartbeatExpire)],
        );
      }
      if (o.messageLog !== undefined) flags.push(['--message-log', o.messageLog]);
      if (o.outputLog !== undefined) flags.push(['--output-log', o.outputLog]);
      return [
        'rushnet worker',
        ...flags.map(([flag, value]) => `${flag} ${shellQuote(value)}`),
      ].join(' ');
    };
    this.ctx.logger.info(
      {
        network: this.ctx.networkId,
        script: command(configToUrl(this.ctx.config, { redact: true })),
      },
      'worker script',
    );
    return command(configToUrl(this.ctx.config, { redact: false }));
  }

  /**
   * Stores a worker configuration under a new id, and as the latest one. Each start names its
   * own, so workers of an earlier start that read theirs late still run their own loop.
   */
  async #storeConfig(config: WorkerConfig): Promise<string> {
    const id = randomUUID();
    const encoded = this.ctx.encode(config, 'worker configuration');
    await explained(
      this.ctx.client().hset(this.ctx.keys.workerConfig, id, encoded, LATEST_CONFIG, encoded),
    );
    return id;
  }

  #workerConfig(loop: WorkerLoop, o: Partial<WorkerScriptOptions>): WorkerConfig {
    const plan = rushConfig();
    const stored = storeLoop(loop);
    const args = o.args ?? [];
    if (!Array.isArray(args))
      throw new RushInputError('args', `must be an array, got ${describeValue(args)}`);
    encodeValue(args, 'args'); // unencodable arguments are refused before anything is written
    const packages = o.packages ?? [];
    if (!Array.isArray(packages) || packages.some((p) => typeof p !== 'string' || p === '')) {
      throw new RushInputError(
        'packages',
        `must be an array of package names, got ${describeValue(packages)}`,
      );
    }
    const logThresholds = checkLogThresholds(
      'logThresholds',
      o.logThresholds ?? plan.logThresholds ?? { rushnet: 'info' },
    );
    const logBufferSize = o.logBufferSize ?? plan.logBufferSize ?? 0;
    if (!Number.isInteger(logBufferSize) || logBufferSize < 0) {
      throw new RushInputError(
        'logBufferSize',
        `must be a non-negative integer, got ${describeValue(logBufferSize)}`,
      );
    }
    const maxLogEntries = checkPositiveInteger(
      'maxLogEntries',
      o.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES,
    );
    const [heartbeatPeriod, heartbeatExpire] = checkHeartbeat(o.heartbeatPeriod, o.heartbeatExpire);
    for (const name of ['messageLog', 'outputLog'] as const) {
      const dir = o[name];
      if (
        dir !== undefined &&
        (typeof dir !== 'string' || !existsSync(dir) || !statSync(dir).isDirectory())
      ) {
        throw new RushInputError(
          name,
          `must name an existing directory, got ${describeValue(dir)}`,
        );
      }
    }
    return {
      loop: stored,
      args,
      packages,
      logThresholds,
      logBufferSize,
      maxLogEntries,
      ...(heartbeatPeriod ? { heartbeatPeriod, heartbeatExpire } : {}),
    };
  }

  /** Resolves when `n` workers (or all of `workerIds`) are registered. */
  async waitFor(options: WaitForWorkersOptions | undefined): Promise<void> {
    const o = checkOptions('options', options, ['n', 'workerIds', 'timeout', 'progress']);
    if (o.n === undefined && o.workerIds === undefined) {
      throw new RushInputError('options', 'needs `n` or `workerIds` (or both)');
    }
    const n = o.n === undefined ? undefined : checkPositiveInteger('n', o.n);
    const ids = o.workerIds === undefined ? undefined : checkKeys('workerIds', o.workerIds);
    const timeout = checkSeconds(
      'timeout',
      o.timeout ?? rushConfig().startWorkerTimeout ?? Number.POSITIVE_INFINITY,
      { infinite: true },
    );
    const progress = checkBoolean('progress', o.progress ?? false) ? new ProgressLine() : undefined;
    const deadline = Date.now() + timeout * 1000;
    let generation = await this.ctx.events.ready();
    try {
      for (;;) {
        const { registered, missing } = await this.#registration(ids);
        const [have, need] =
          n !== undefined ? [registered, n] : [ids!.length - missing.length, ids!.length];
        progress?.update(have, need, 'workers registered');
        if ((n === undefined || registered >= n) && missing.length === 0) return;
        const remaining = deadline - Date.now();
        const want = `${have} of ${need} workers`;
        if (remaining <= 0)
          throw new RushTimeoutError(`waitForWorkers: ${want} registered after ${timeout} s`);
        await this.#failIfAllExited(want);
        await this.ctx.events.wait(generation, Math.min(remaining, MAX_EVENT_WAIT_MS));
        generation = this.ctx.events.generation;
      }
    } finally {
      progress?.finish();
    }
  }

  async #registration(
    ids: string[] | undefined,
  ): Promise<{ registered: number; missing: string[] }> {
    const client = this.ctx.client();
    const registered = await client.zcard(this.ctx.keys.workers);
    if (!ids || ids.length === 0) return { registered, missing: [] };
    const scores = await client.zmscore(this.ctx.keys.workers, ...ids);
    return { registered, missing: ids.filter((_, i) => scores[i] === null) };
  }

  /** Waiting is pointless when every worker this manager started has already exited. */
  async #failIfAllExited(want: string): Promise<void> {
    if (this.#launchers.size === 0) return;
    for (const [id, launcher] of this.#launchers) {
      if ((await launcher.isAlive(id)) !== false) return;
    }
    throw new RushError(
      `waitForWorkers: ${want} registered, and every worker started by this manager has exited; ` +
        'start them with `messageLog` to see why',
    );
  }

  /** Stops workers; see `Rush.stopWorkers`. Returns the ids acted on. */
  async stop(options: StopWorkersOptions | undefined, quiet = false): Promise<string[]> {
    const o = checkOptions('options', options, ['type', 'workerIds']);
    const type = o.type ?? 'kill';
    if (type !== 'kill' && type !== 'terminate') {
      throw new RushInputError('type', `must be 'kill' or 'terminate', got ${describeValue(type)}`);
    }
    const requested = o.workerIds === undefined ? undefined : checkKeys('workerIds', o.workerIds);
    const { keys, logger, networkId } = this.ctx;
    const client = this.ctx.client();
    const running = new Set(await client.smembers(keys.runningWorkers));
    const targets = requested ? requested.filter((id) => running.has(id)) : [...running];
    const skipped = requested ? requested.filter((id) => !running.has(id)) : [];
    if (skipped.length > 0 && !quiet) {
      logger.warn(
        { network: networkId, workerIds: skipped },
        `stopWorkers: skipped ${skipped.length} worker(s) that are not running`,
      );
    }
    // Workers this manager started that have not registered yet have no task: when all are
    // stopped, they are killed (a flag for them would outlive them in Redis).
    const starting = requested ? [] : await this.#starting(running);
    await Promise.all(starting.map((id) => this.#launchers.get(id)?.kill(id)));
    if (targets.length === 0) return [];
    if (type === 'terminate') {
      const pipeline = client.pipeline();
      for (const id of targets) pipeline.set(keys.terminate(id), '1');
      await pipeline.exec();
      return targets;
    }
    const heartbeats = await this.#heartbeatFlags(targets);
    const reached = await Promise.all(
      targets.map(async (id) => (await this.#launchers.get(id)?.kill(id)) ?? false),
    );
    const unreachable: string[] = [];
    const flags = client.pipeline();
    for (const [i, id] of targets.entries()) {
      if (reached[i]) continue;
      if (heartbeats[i]) flags.set(keys.kill(id), '1');
      else unreachable.push(id);
    }
    await flags.exec();
    if (unreachable.length > 0 && !quiet) {
      logger.warn(
        { network: networkId, workerIds: unreachable },
        'stopWorkers: no launcher or heartbeat reaches these workers; they are marked terminated, but their processes may run on',
      );
    }
    await this.#lose(targets, KILLED, false);
    return targets;
  }

  /** Workers started here whose process is alive but which never registered. */
  async #starting(running: Set<string>): Promise<string[]> {
    const candidates = [...this.#launchers.keys()].filter((id) => !running.has(id));
    if (candidates.length === 0) return [];
    const registered = await this.ctx.client().zmscore(this.ctx.keys.workers, ...candidates);
    const alive = await Promise.all(candidates.map((id) => this.#launchers.get(id)!.isAlive(id)));
    return candidates.filter((_, i) => registered[i] === null && alive[i] === true);
  }

  async #heartbeatFlags(ids: string[]): Promise<boolean[]> {
    const pipeline = this.ctx.client().pipeline();
    for (const id of ids) pipeline.hget(this.ctx.keys.worker(id), 'heartbeat');
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, value]) => value === '1');
  }

  /** Finds workers lost in this call: exited local processes and expired heartbeats. */
  async detectLost(): Promise<string[]> {
    const exited: string[] = [];
    for (const [id, launcher] of this.#launchers) {
      if ((await launcher.isAlive(id)) === false) exited.push(id);
    }
    const lost = await this.#lose(exited, LOST, true);
    if (lost.length > 0) {
      this.ctx.logger.warn(
        { network: this.ctx.networkId, workerIds: lost },
        `detected ${lost.length} lost worker(s)`,
      );
    }
    return lost;
  }

  /** Moves workers to terminated and fails their running and pending tasks (one atomic script). */
  #lose(
    ids: string[],
    condition: { message: string },
    checkHeartbeats: boolean,
  ): Promise<string[]> {
    const k = this.ctx.keys;
    return runScript<string[]>(
      this.ctx.client(),
      'lose_workers',
      [k.runningWorkers, k.terminatedWorkers, k.running, k.failed],
      [
        k.prefix,
        k.events,
        encodeValue(condition, 'condition'),
        checkHeartbeats ? '1' : '0',
        ...ids,
      ],
    );
  }

  /** Log records of the workers, sorted by time. */
  async readLog(options: ReadLogOptions | undefined): Promise<LogRecord[]> {
    const o = checkOptions('options', options, ['workerIds', 'timeDifference']);
    const withDifference = checkBoolean('timeDifference', o.timeDifference ?? false);
    const records = await this.#records(
      o.workerIds === undefined ? undefined : checkKeys('workerIds', o.workerIds),
    );
    let previous: number | undefined;
    return records.map((record) => {
      const time = record.timestamp.getTime();
      if (withDifference)
        record.time_difference = previous === undefined ? 0 : (time - previous) / 1000;
      previous = time;
      return record;
    });
  }

  async #records(ids: string[] | undefined): Promise<LogRecord[]> {
    const client = this.ctx.client();
    const workerIds = ids ?? (await client.zrange(this.ctx.keys.workers, 0, -1));
    const pipeline = client.pipeline();
    for (const id of workerIds) pipeline.lrange(this.ctx.keys.log(id), 0, -1);
    const replies = (await pipeline.exec()) ?? [];
    const records = workerIds.flatMap((id, i) =>
      parseLogLines(id, (replies[i]?.[1] as string[] | undefined) ?? []),
    );
    return records.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || a.seq - b.seq);
  }

  /** Prints the records not printed before by this manager. */
  async printLog(): Promise<void> {
    const lines: string[] = [];
    for (const record of await this.#records(undefined)) {
      if (record.seq <= (this.#printed.get(record.worker_id) ?? 0)) continue;
      this.#printed.set(record.worker_id, record.seq);
      lines.push(formatLogRecord(record));
    }
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Forgets log positions (after a reset). */
  resetLogPositions(): void {
    this.#printed.clear();
  }
}

function checkLauncher(value: unknown): WorkerLauncher {
  const launcher = value as WorkerLauncher;
  if (
    (!isPlainObject(value) && (typeof value !== 'object' || value === null)) ||
    typeof launcher.start !== 'function' ||
    typeof launcher.kill !== 'function' ||
    typeof launcher.isAlive !== 'function'
  ) {
    throw new RushInputError(
      'launcher',
      'must implement start(specs), kill(workerId) and isAlive(workerId)',
    );
  }
  return launcher;
}

/** Quotes a value for POSIX shells: single quotes, with embedded ones closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
