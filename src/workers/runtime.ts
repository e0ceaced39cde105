/**
 * The worker runtime (`rushnet worker`): reads the network's worker configuration, imports the
 * packages, registers a RushWorker, runs the loop, and reports how it ended.
 */
import { randomUUID } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RushConfigError } from '../errors.js';
import { rushConfig } from '../plan.js';
import { type RedisConfig, resolveConfig } from '../redis/config.js';
import { closeConnection, openConnection } from '../redis/connection.js';
import { RushKeys } from '../redis/keys.js';
import { checkDirectory, checkNetworkId } from '../validate.js';
import { RushWorker } from '../worker.js';
import { decodeWorkerConfig, LATEST_CONFIG, loadLoop, type WorkerConfig } from './loop.js';
import { importPackages } from './packages.js';

export interface StartWorkerOptions {
  networkId: string;
  /** @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /** @default a new UUID */
  workerId?: string;
  /** Which stored worker configuration to run (its start names it). @default the latest */
  configId?: string;
  /** Overrides the stored configuration's heartbeat. */
  heartbeatPeriod?: number;
  heartbeatExpire?: number;
  /** Directory that receives `message_<workerId>.log` (stderr and log messages). */
  messageLog?: string;
  /** Directory that receives `output_<workerId>.log` (stdout). */
  outputLog?: string;
}

/**
 * Runs one worker to the end. Resolves to the exit code: 0 when the loop returned, 1 when it
 * threw (its tasks are then failed with the error message and the error is logged).
 * @throws RushConfigError when Redis cannot be reached or the network has no worker configuration.
 */
export async function startWorker(options: StartWorkerOptions): Promise<number> {
  const networkId = checkNetworkId('networkId', options.networkId);
  const workerId = options.workerId ?? randomUUID();
  if (options.messageLog !== undefined) checkDirectory('messageLog', options.messageLog);
  if (options.outputLog !== undefined) checkDirectory('outputLog', options.outputLog);
  if (options.messageLog)
    redirect(process.stderr, join(options.messageLog, `message_${workerId}.log`));
  if (options.outputLog)
    redirect(process.stdout, join(options.outputLog, `output_${workerId}.log`));

  const stored = await readWorkerConfig(
    networkId,
    options.config,
    options.configId ?? LATEST_CONFIG,
  );
  await importPackages(stored.packages);
  const loop = await loadLoop(stored.loop);
  const worker = new RushWorker({
    networkId,
    config: options.config,
    workerId,
    heartbeatPeriod: options.heartbeatPeriod ?? stored.heartbeatPeriod,
    heartbeatExpire:
      options.heartbeatExpire ?? (options.heartbeatPeriod ? undefined : stored.heartbeatExpire),
    logThresholds: stored.logThresholds,
    logBufferSize: stored.logBufferSize,
    maxLogEntries: stored.maxLogEntries,
  });
  await worker.connect();
  try {
    await loop(worker, ...stored.args);
    // Tasks it left running or pending would otherwise stay so forever: fail them.
    await worker.failAndTerminate({ message: 'Worker terminated before finishing the task' });
    // A heartbeat that failed for good has stopped the loop: that is a failure of the worker.
    return worker.sentinelFailure === undefined ? 0 : 1;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    worker.logger.error({ err: error }, `worker loop failed: ${message}`);
    await worker.failAndTerminate({ message });
    return 1;
  } finally {
    await worker.close();
  }
}

/** Reads and decodes the network's worker configuration. */
async function readWorkerConfig(
  networkId: string,
  config: RedisConfig | undefined,
  configId: string,
): Promise<WorkerConfig> {
  const client = await openConnection(
    resolveConfig(config, rushConfig().config),
    `rushnet:${networkId}:start`,
  );
  try {
    const raw = await client.hgetBuffer(new RushKeys(networkId).workerConfig, configId);
    if (raw === null) {
      const which = configId === LATEST_CONFIG ? '' : ` '${configId}'`;
      throw new RushConfigError(
        `no worker configuration${which} for network '${networkId}': start workers with startWorkers(), ` +
          'startLocalWorkers() or the command from workerScript(), which store it',
      );
    }
    return decodeWorkerConfig(raw);
  } finally {
    await closeConnection(client);
  }
}

/** Sends a stream's writes to a file, synchronously: a file never fills up and blocks. */
function redirect(stream: NodeJS.WriteStream, file: string): void {
  const fd = openSync(file, 'a');
  stream.write = ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  }) as typeof stream.write;
}
