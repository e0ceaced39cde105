/**
 * The plan (docs/concepts.md, configuration): process-wide defaults for managers and the workers they start.
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
import {
  checkCount,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
  isPlainObject,
} from './validate.js';
import { checkSecret } from './worker-config/signing.js';

/** The most workers one start may ask for (a bound, so a typo cannot fork a million processes). */
export const MAX_WORKERS = 100_000;

/** Log levels by logger name, e.g. `{ rushnet: 'info', myapp: 'debug' }`. */
export type LogThresholds = Record<string, string>;

export { LOG_LEVELS };

/** Options of {@link rushPlan}: process-wide defaults. */
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
  /**
   * Key that signs worker configurations (SECURITY.md); workers need the same key
   * (`RUSHNET_SECRET`). @default `RUSHNET_SECRET`, else a random key per manager
   */
  secret?: string;
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
  'secret',
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
  if (o.nWorkers !== undefined) checkPositiveInteger('nWorkers', o.nWorkers, MAX_WORKERS);
  if (o.logThresholds !== undefined) checkLogThresholds('logThresholds', o.logThresholds);
  if (o.logBufferSize !== undefined) checkCount('logBufferSize', o.logBufferSize);
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
  if (o.secret !== undefined) checkSecret('secret', o.secret);

  const resolved = resolveConfig(o.config, undefined);
  await closeConnection(await openConnection(resolved, 'rushnet-plan-check'));
  const { secret, ...rest } = o;
  const plan: RushPlanOptions = {
    workerType: 'local',
    ...rest,
    // The config the check used, so that managers and workers use the same server.
    config: o.config ?? (process.env.REDIS_URL || DEFAULT_REDIS_URL),
  };
  // Not enumerable: printing or serializing the plan does not show the secret.
  if (secret !== undefined) Object.defineProperty(plan, 'secret', { value: secret });
  current = Object.freeze(plan);
  return current;
}

/**
 * On a worker: adopts the large-object settings of the manager that stored its configuration
 * (a signed one), unless this process has a plan of its own.
 */
export function adoptWorkerPlan(
  settings: Pick<RushPlanOptions, 'largeObjectsPath' | 'maxObjectSize'>,
): void {
  if (current !== undefined) return;
  const plan: RushPlanOptions = {};
  if (settings.largeObjectsPath !== undefined) plan.largeObjectsPath = settings.largeObjectsPath;
  if (settings.maxObjectSize !== undefined) plan.maxObjectSize = settings.maxObjectSize;
  if (Object.keys(plan).length > 0) current = Object.freeze(plan);
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
