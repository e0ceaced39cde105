/**
 * The worker runtime (`rushnet worker`): reads the network's worker configuration, checks its
 * signature (before anything of it is decoded, imported or evaluated), imports the packages,
 * registers a RushWorker (or several in one process: `--count`), runs the loop, and reports how it
 * ended.
 */
import { randomUUID } from 'node:crypto';
import { openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RushConfigError, RushInputError } from '../errors.js';
import { logger } from '../logging/logger.js';
import { adoptWorkerPlan, MAX_WORKERS, rushConfig } from '../plan.js';
import { type RedisConfig, resolveConfig } from '../redis/config.js';
import { closeConnection, openConnection } from '../redis/connection.js';
import { RushKeys } from '../redis/keys.js';
import { errorCondition } from '../rush/process-tasks.js';
import { checkDirectory, checkNetworkId, checkPositiveInteger } from '../validate.js';
import { RushWorker } from '../worker.js';
import {
  decodeWorkerConfig,
  LATEST_CONFIG,
  loadLoop,
  type WorkerConfig,
} from '../worker-config/loop.js';
import { checkSecret, SECRET_ENV, signatureField, verifyConfig } from '../worker-config/signing.js';
import { importPackages } from './packages.js';

/** Options of {@link startWorker} (what `rushnet worker` takes). */
export interface StartWorkerOptions {
  networkId: string;
  /** @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /** @default a new UUID */
  workerId?: string;
  /**
   * Workers to run in this process (`rushnet worker --count`), each its own RushWorker (its own
   * connection, watch and heartbeat) running the loop; for loops that mostly wait. Log files
   * are named after the first worker. @default 1, or the number of ids given
   */
  count?: number;
  /** More worker ids (after `workerId`), for `count` > 1; the rest get new UUIDs. */
  workerIds?: string[];
  /** Which stored worker configuration to run (its start names it). @default the latest */
  configId?: string;
  /** Overrides the stored configuration's heartbeat. */
  heartbeatPeriod?: number;
  heartbeatExpire?: number;
  /** Directory that receives `message_<workerId>.log` (stderr and log messages). */
  messageLog?: string;
  /** Directory that receives `output_<workerId>.log` (stdout). */
  outputLog?: string;
  /** Key that the configuration's signature must match. @default `RUSHNET_SECRET` */
  secret?: string;
  /** Run the configuration without checking its signature (`rushnet worker --insecure`). */
  insecure?: boolean;
  /**
   * Told how the run goes (`rushnet worker` prints it on stderr): each worker once registered,
   * and once stopped, with why. A caller that passes it says the `insecure` warning itself.
   * @internal
   */
  onEvent?: (event: WorkerRunEvent) => void;
}

/** How a worker's run went, for {@link StartWorkerOptions.onEvent}. @internal */
export type WorkerRunEvent =
  | { kind: 'connected'; worker: RushWorker }
  | {
      kind: 'stopped';
      worker: RushWorker;
      /** The loop returned (after a terminate request: `terminated`), threw, or the heartbeat failed. */
      reason: 'returned' | 'terminated' | 'error' | 'heartbeat';
      message?: string;
    };

/**
 * Runs one worker (or `count` of them) to the end. Resolves to the exit code: 0 when the loop
 * returned, 1 when it threw (its tasks are then failed with the error's message, name and
 * stack, or go back to the queue when they have retries left, and the error is logged); with
 * several workers, 1 when any loop threw.
 * @throws RushConfigError when Redis cannot be reached, the network has no worker
 * configuration, or its signature does not match the key (nothing of it has run then).
 */
export async function startWorker(options: StartWorkerOptions): Promise<number> {
  const networkId = checkNetworkId('networkId', options.networkId);
  const workerIds = workerIdsOf(options);
  const workerId = workerIds[0]!;
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
    {
      secret: options.secret === undefined ? process.env[SECRET_ENV] || undefined : options.secret,
      insecure: options.insecure === true,
      warn: options.onEvent === undefined,
    },
  );
  await importPackages(stored.packages);
  const loop = await loadLoop(stored.loop);
  // Several workers connect one after another: hundreds of connections opened at once on a busy
  // machine can take longer than the 5 s each one has.
  let turn: Promise<unknown> = Promise.resolve();
  const codes = await Promise.all(
    workerIds.map((id) => {
      const connected = turn.then(() => connectWorker(networkId, id, options, stored));
      turn = connected.catch(() => undefined);
      return connected.then((worker) => {
        options.onEvent?.({ kind: 'connected', worker });
        return runWorker(worker, loop, stored.args, options.onEvent);
      });
    }),
  );
  return Math.max(...codes);
}

/** The ids of the workers to run: `workerId`, then `workerIds`, then new UUIDs up to `count`. */
function workerIdsOf(o: StartWorkerOptions): string[] {
  const given = [...(o.workerId === undefined ? [] : [o.workerId]), ...(o.workerIds ?? [])];
  const count = checkPositiveInteger('count', o.count ?? Math.max(1, given.length), MAX_WORKERS);
  if (given.length > count || new Set(given).size < given.length) {
    throw new RushInputError(
      'count',
      `is ${count}, for ${given.length} worker ids (distinct ones, at most count)`,
    );
  }
  return [...given, ...Array.from({ length: count - given.length }, () => randomUUID())];
}

/** Creates and registers one worker. */
async function connectWorker(
  networkId: string,
  workerId: string,
  options: StartWorkerOptions,
  stored: WorkerConfig,
): Promise<RushWorker> {
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
    durability: stored.durability,
  });
  return worker.connect();
}

/** Runs the loop on a registered worker and ends it; resolves to its exit code. */
async function runWorker(
  worker: RushWorker,
  loop: Awaited<ReturnType<typeof loadLoop>>,
  args: unknown[],
  onEvent: StartWorkerOptions['onEvent'],
): Promise<number> {
  try {
    await loop(worker, ...args);
    const requested = worker.terminated;
    // Tasks it left running or pending would otherwise stay so forever: fail them.
    await worker.failAndTerminate({ message: 'Worker terminated before finishing the task' });
    // A heartbeat that failed for good has stopped the loop: that is a failure of the worker.
    const failed = worker.watchFailure !== undefined;
    onEvent?.({
      kind: 'stopped',
      worker,
      reason: failed ? 'heartbeat' : requested ? 'terminated' : 'returned',
    });
    return failed ? 1 : 0;
  } catch (error) {
    const condition = errorCondition(error);
    worker.logger.error({ err: error }, `worker loop failed: ${condition.message}`);
    await worker.failAndTerminate(condition);
    onEvent?.({ kind: 'stopped', worker, reason: 'error', message: condition.message });
    return 1;
  } finally {
    await worker.close();
  }
}

/** Reads the network's worker configuration, checks its signature, and decodes it. */
async function readWorkerConfig(
  networkId: string,
  config: RedisConfig | undefined,
  configId: string,
  { secret, insecure, warn }: { secret: string | undefined; insecure: boolean; warn: boolean },
): Promise<WorkerConfig> {
  if (secret !== undefined) checkSecret(SECRET_ENV, secret);
  const client = await openConnection(
    resolveConfig(config, rushConfig().config),
    `rushnet:${networkId}:start`,
  );
  try {
    const [raw, signature] = await client.hmgetBuffer(
      new RushKeys(networkId).workerConfig,
      configId,
      signatureField(configId),
    );
    if (raw === null || raw === undefined) {
      const which = configId === LATEST_CONFIG ? '' : ` '${configId}'`;
      throw new RushConfigError(
        `no worker configuration${which} for network '${networkId}': start workers with startWorkers(), ` +
          'startLocalWorkers() or the command from workerScript(), which store it',
      );
    }
    if (insecure) {
      if (warn)
        logger.warn(
          { network: networkId },
          'running a worker configuration without checking its signature (--insecure)',
        );
    } else {
      verifyConfig(
        secret,
        networkId,
        configId,
        raw,
        signature ? signature.toString('latin1') : null,
      );
    }
    const stored = decodeWorkerConfig(raw, networkId);
    // Values over the size limit go to (and are read from) the manager's directory.
    adoptWorkerPlan({
      largeObjectsPath: stored.largeObjectsPath,
      maxObjectSize: stored.maxObjectSize,
    });
    return stored;
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
