/**
 * rushnet: decentralized parallel computing over Redis.
 */
export { LargeObjectRef } from './codec.js';
export type { RedisConfig, RedisConnectionOptions } from './config.js';
export { RushConfigError, RushError, RushInputError, RushTimeoutError } from './errors.js';
export { storeLargeObject } from './large-objects.js';
export type { Logger } from './logger.js';
export {
  type LogThresholds,
  type RushPlan,
  type RushPlanOptions,
  removeRushPlan,
  rushAvailable,
  rushConfig,
  rushPlan,
} from './plan.js';
export { Rush, type RushOptions, rsh } from './rush.js';
export type * from './types.js';
export { RushWorker, type RushWorkerOptions } from './worker.js';
