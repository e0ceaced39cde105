/**
 * rushnet: decentralized parallel computing over Redis.
 * @module rushnet
 */

export { networkAclRules } from './acl.js';
export {
  RushBatchError,
  RushConfigError,
  RushError,
  RushInputError,
  RushTimeoutError,
} from './errors.js';
export type { WorkerLauncher, WorkerSpec } from './launchers/launcher.js';
export { LocalLauncher } from './launchers/local.js';
export {
  type SlurmJob,
  type SlurmLauncher,
  type SlurmLauncherOptions,
  slurmLauncher,
} from './launchers/slurm.js';
export {
  type SshHost,
  type SshLauncher,
  type SshLauncherOptions,
  sshLauncher,
} from './launchers/ssh.js';
export type { ReadLogOptions } from './logging/log-reader.js';
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
export type {
  RedisAddress,
  RedisClusterOptions,
  RedisConfig,
  RedisConnectionOptions,
  RedisSentinelOptions,
  RedisTlsOptions,
} from './redis/config.js';
export type { Durability } from './rush/write-path.js';
export { Rush, type RushOptions, rsh } from './rush.js';
export { LargeObjectRef } from './tasks/codec.js';
export { storeLargeObject } from './tasks/large-objects.js';
export { TASK_STATES } from './tasks/states.js';
export type * from './types.js';
export { type StartWorkerOptions, startWorker } from './worker/runtime.js';
export { RushWorker, type RushWorkerOptions } from './worker.js';
export type { WorkerLoop, WorkerLoopFunction, WorkerLoopModule } from './worker-config/loop.js';
export type {
  StartLocalWorkersOptions,
  StartWorkersOptions,
  StopWorkersOptions,
  WaitForWorkersOptions,
  WorkerScriptOptions,
} from './worker-config/settings.js';
