/**
 * Worker settings: the options of every way of starting workers, and turning them (with the
 * plan's defaults) into the checked configuration that is stored for the workers to read.
 */
import { describeValue, RushInputError } from '../errors.js';
import type { WorkerLauncher } from '../launchers/launcher.js';
import { DEFAULT_MAX_LOG_ENTRIES } from '../logging/redis-log.js';
import { checkLogThresholds, type LogThresholds, type RushPlan } from '../plan.js';
import type { CheckedDurability } from '../rush/write-path.js';
import { encodeValue } from '../tasks/codec.js';
import { checkCount, checkDirectory, checkHeartbeat, checkPositiveInteger } from '../validate.js';
import { storeLoop, type WorkerConfig, type WorkerLoop } from './loop.js';

/**
 * Options shared by every way of starting workers.
 * @typeParam Args - the types of the loop's arguments after the worker
 */
export interface WorkerScriptOptions<Args extends unknown[] = unknown[]> {
  /** Arguments passed to the loop after the worker, encoded like task values. */
  args?: Args;
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

/** Options of `startLocalWorkers`: those of every start, and how many, supervised or not. */
export interface StartLocalWorkersOptions<Args extends unknown[] = unknown[]>
  extends WorkerScriptOptions<Args> {
  /** @default the plan's nWorkers, else the number of cores */
  nWorkers?: number;
  /** The workers die with this process. @default true */
  supervise?: boolean;
}

/** Options of `startWorkers`: those of `startLocalWorkers`, and the launcher. */
export interface StartWorkersOptions<Args extends unknown[] = unknown[]>
  extends StartLocalWorkersOptions<Args> {
  /** Where the workers run. @default a launcher of local processes */
  launcher?: WorkerLauncher;
}

/** Options of `waitForWorkers`: `n` or `workerIds` (at least one) and how long to wait. */
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

/** Options of `stopWorkers`. */
export interface StopWorkersOptions {
  /** `kill` stops at once; `terminate` asks the loops to finish. @default 'kill' */
  type?: 'kill' | 'terminate';
  /** @default every running worker */
  workerIds?: string[];
}

/** The option names every way of starting workers takes. */
export const SCRIPT_OPTIONS = [
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

/**
 * Checks the loop and the options (before anything is written) and builds the configuration the
 * workers will read. `plan` gives the defaults; `durability` is the manager's setting, which
 * its workers share.
 */
export function buildWorkerConfig(
  loop: WorkerLoop,
  o: Partial<WorkerScriptOptions>,
  plan: RushPlan,
  durability?: CheckedDurability,
): WorkerConfig {
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
  const logBufferSize = checkCount('logBufferSize', o.logBufferSize ?? plan.logBufferSize ?? 0);
  const maxLogEntries = checkPositiveInteger(
    'maxLogEntries',
    o.maxLogEntries ?? DEFAULT_MAX_LOG_ENTRIES,
  );
  const [heartbeatPeriod, heartbeatExpire] = checkHeartbeat(o.heartbeatPeriod, o.heartbeatExpire);
  if (o.messageLog !== undefined) checkDirectory('messageLog', o.messageLog);
  if (o.outputLog !== undefined) checkDirectory('outputLog', o.outputLog);
  return {
    loop: stored,
    args,
    packages,
    logThresholds,
    logBufferSize,
    maxLogEntries,
    ...(heartbeatPeriod ? { heartbeatPeriod, heartbeatExpire } : {}),
    ...(durability ? { durability: { ...durability } } : {}),
  };
}

/** Checks that a value implements the launcher interface. */
export function checkLauncher(value: unknown): WorkerLauncher {
  const launcher = value as WorkerLauncher;
  if (
    typeof value !== 'object' ||
    value === null ||
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
