/**
 * rushnet: decentralized parallel computing over Redis.
 */
export { LargeObjectRef } from './codec.js';
export type { RedisConfig, RedisConnectionOptions } from './config.js';
export { RushConfigError, RushError, RushInputError, RushTimeoutError } from './errors.js';
export { storeLargeObject } from './large-objects.js';
export type { WorkerLauncher, WorkerSpec } from './launchers/launcher.js';
export { LocalLauncher } from './launchers/local.js';
export type { Logger } from './logging/logger.js';
export type { LogRecord } from './logging/redis-log.js';
export { type ListNetworksOptions, listNetworks } from './networks.js';
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
export { type StartWorkerOptions, startWorker } from './workers/runtime.js';
export type { WorkerLoop } from './workers/worker-config.js';
export type {
  ReadLogOptions,
  StartLocalWorkersOptions,
  StartWorkersOptions,
  StopWorkersOptions,
  WaitForWorkersOptions,
  WorkerScriptOptions,
} from './workers/worker-manager.js';
