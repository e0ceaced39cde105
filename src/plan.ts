/**
 * The plan (SPEC §3): process-wide defaults for managers and the workers they start.
 */

import { describeValue, RushInputError } from './errors.js';
import { isLogLevel, LOG_LEVELS } from './logging/levels.js';
import {
  DEFAULT_REDIS_URL,
  normalizeConfig,
  type RedisConfig,
  resolveConfig,
} from './redis/config.js';
import { closeConnection, openConnection } from './redis/connection.js';
import { checkOptions, checkPositiveInteger, checkSeconds, isPlainObject } from './validate.js';

/** Log levels by logger name, e.g. `{ rushnet: 'info', myapp: 'debug' }`. */
export type LogThresholds = Record<string, string>;

export { LOG_LEVELS };

export interface RushPlanOptions {
  /** Default number of workers that `startWorkers` starts. */
  nWorkers?: number;
  /** Redis to use. @default the `REDIS_URL` environment variable, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /** Log thresholds on workers. @default { rushnet: 'info' } */
  logThresholds?: LogThresholds;
  /** Log records buffered on a worker before they are written to Redis. @default 0 */
  logBufferSize?: number;
  /** Directory (readable by every participant) for values over `maxObjectSize`. */
  largeObjectsPath?: string;
  /** Bytes; larger encoded values go to `largeObjectsPath`. @default the server's proto-max-bulk-len */
  maxObjectSize?: number;
  /** How `startWorkers` starts workers by default. @default 'local' */
  workerType?: 'local' | 'script' | (string & {});
  /** Seconds `waitForWorkers` waits by default. @default Infinity */
  startWorkerTimeout?: number;
}

/** The current plan; every field is empty when no plan is set. */
export type RushPlan = Readonly<RushPlanOptions>;

let current: RushPlan | undefined;

const PLAN_KEYS = [
  'nWorkers',
  'config',
  'logThresholds',
  'logBufferSize',
  'largeObjectsPath',
  'maxObjectSize',
  'workerType',
  'startWorkerTimeout',
] as const;

export function checkLogThresholds(name: string, value: unknown): LogThresholds {
  if (!isPlainObject(value)) {
    throw new RushInputError(
      name,
      `must be an object of logger name → level, got ${describeValue(value)}`,
    );
  }
  for (const [logger, level] of Object.entries(value)) {
    if (!isLogLevel(level)) {
      throw new RushInputError(
        `${name}.${logger}`,
        `must be one of ${LOG_LEVELS.join(', ')}, got ${describeValue(level)}`,
      );
    }
  }
  return value as LogThresholds;
}

/**
 * Sets the plan after checking its options and that Redis answers.
 * @throws RushInputError for bad options, RushConfigError when Redis cannot be reached.
 */
export async function rushPlan(options?: RushPlanOptions): Promise<RushPlan> {
  const o = checkOptions('options', options, PLAN_KEYS);
  if (o.nWorkers !== undefined) checkPositiveInteger('nWorkers', o.nWorkers);
  if (o.logThresholds !== undefined) checkLogThresholds('logThresholds', o.logThresholds);
  if (
    o.logBufferSize !== undefined &&
    (!Number.isInteger(o.logBufferSize) || o.logBufferSize < 0)
  ) {
    throw new RushInputError(
      'logBufferSize',
      `must be a non-negative integer, got ${describeValue(o.logBufferSize)}`,
    );
  }
  if (
    o.largeObjectsPath !== undefined &&
    (typeof o.largeObjectsPath !== 'string' || o.largeObjectsPath === '')
  ) {
    throw new RushInputError(
      'largeObjectsPath',
      `must be a directory path, got ${describeValue(o.largeObjectsPath)}`,
    );
  }
  if (o.maxObjectSize !== undefined) checkPositiveInteger('maxObjectSize', o.maxObjectSize);
  if (o.workerType !== undefined && (typeof o.workerType !== 'string' || o.workerType === '')) {
    throw new RushInputError(
      'workerType',
      `must be 'local', 'script' or a launcher name, got ${describeValue(o.workerType)}`,
    );
  }
  if (o.startWorkerTimeout !== undefined)
    checkSeconds('startWorkerTimeout', o.startWorkerTimeout, { infinite: true });
  if (o.config !== undefined) normalizeConfig(o.config);

  const resolved = resolveConfig(o.config, undefined);
  await closeConnection(await openConnection(resolved, 'rushnet-plan-check'));
  current = Object.freeze({
    workerType: 'local',
    ...o,
    // The config the check used, so that managers and workers use the same server.
    config: o.config ?? (process.env.REDIS_URL || DEFAULT_REDIS_URL),
  });
  return current;
}

/** The current plan, or an object with every field empty when there is none. */
export function rushConfig(): RushPlan {
  return current ?? {};
}

/** Removes the plan. */
export function removeRushPlan(): true {
  current = undefined;
  return true;
}

/** Whether a plan with a Redis config is set. */
export function rushAvailable(): boolean {
  return current?.config !== undefined;
}
