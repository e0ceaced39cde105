/**
 * Starting workers: storing the worker configuration, handing one spec per worker to a
 * launcher, `workerScript` (a shell command that starts one worker), and waiting until workers
 * have registered.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { explained, RushError, RushInputError, RushTimeoutError } from '../errors.js';
import type { WorkerSpec } from '../launchers/launcher.js';
import { ProgressLine } from '../progress.js';
import { CONFIG_ENV, configToEnv, describeConfig } from '../redis/config.js';
import { unwrap } from '../redis/scripts/index.js';
import { waitOnEvents } from '../rush/events.js';
import {
  checkBoolean,
  checkKeys,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
} from '../validate.js';
import { LATEST_CONFIG, type WorkerConfig, type WorkerLoop } from './loop.js';
import {
  buildWorkerConfig,
  checkLauncher,
  SCRIPT_OPTIONS,
  type StartWorkersOptions,
  type WaitForWorkersOptions,
  type WorkerScriptOptions,
} from './settings.js';
import type { WorkerContext, WorkerProcesses } from './worker-context.js';

/** Stores the configuration and starts workers through the launcher. Returns their ids. */
export async function startWorkers(
  ctx: WorkerContext,
  started: WorkerProcesses,
  loop: WorkerLoop,
  options: StartWorkersOptions | undefined,
  { launcherAllowed }: { launcherAllowed: boolean },
): Promise<string[]> {
  const known = [
    ...SCRIPT_OPTIONS,
    'nWorkers',
    'supervise',
    ...(launcherAllowed ? (['launcher'] as const) : []),
  ] as const;
  const o = checkOptions('options', options, known as readonly (keyof StartWorkersOptions)[]);
  const plan = ctx.plan();
  const nWorkers = checkPositiveInteger(
    'nWorkers',
    o.nWorkers ?? plan.nWorkers ?? availableParallelism(),
  );
  const supervise = checkBoolean('supervise', o.supervise ?? true);
  const launcher = o.launcher === undefined ? started.local : checkLauncher(o.launcher);
  const config = buildWorkerConfig(loop, o, plan);
  const configId = await storeConfig(ctx, config);

  // The whole Redis config (TLS files, cluster or sentinel addresses) travels in the
  // environment, never on a command line.
  const env = configToEnv(ctx.config);
  const specs: WorkerSpec[] = Array.from({ length: nWorkers }, () => {
    const workerId = randomUUID();
    return {
      workerId,
      args: ['worker', '--network', ctx.networkId, '--worker-id', workerId, '--config', configId],
      env,
      messageLog: o.messageLog,
      outputLog: o.outputLog,
      supervise,
    };
  });
  await launcher.start(specs);
  for (const spec of specs) started.launchers.set(spec.workerId, launcher);
  ctx.logger.info(
    { network: ctx.networkId, launcher: launcher.name, n: nWorkers },
    'started workers',
  );
  return specs.map((s) => s.workerId);
}

/** Stores the configuration and returns a shell command that starts one worker per run. */
export async function workerScript(
  ctx: WorkerContext,
  loop: WorkerLoop,
  options: WorkerScriptOptions | undefined,
): Promise<string> {
  const o = checkOptions('options', options, SCRIPT_OPTIONS);
  const config = buildWorkerConfig(loop, o, ctx.plan());
  const configId = await storeConfig(ctx, config);
  const flags: [string, string][] = [
    ['--network', ctx.networkId],
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
  const args = flags.map(([flag, value]) => `${flag} ${shellQuote(value)}`).join(' ');
  // The connection goes in the environment part of the command, so it is in no process's argv.
  const [name, value] = scriptEnvironment(ctx.config);
  ctx.logger.info(
    {
      network: ctx.networkId,
      redis: describeConfig(ctx.config),
      script: `${name}='<redacted>' rushnet worker ${args}`,
    },
    'worker script',
  );
  return `${name}=${shellQuote(value)} rushnet worker ${args}`;
}

/** The one environment variable that hands a config to a script worker. */
function scriptEnvironment(config: WorkerContext['config']): [string, string] {
  const env = configToEnv(config);
  const plainUrl = config.kind === 'standalone' && typeof config.tls === 'boolean';
  return plainUrl ? ['REDIS_URL', env.REDIS_URL!] : [CONFIG_ENV, env[CONFIG_ENV]!];
}

/**
 * Stores a worker configuration under a new id, and as the latest one. Each start names its
 * own, so workers of an earlier start that read theirs late still run their own loop.
 */
async function storeConfig(ctx: WorkerContext, config: WorkerConfig): Promise<string> {
  const id = randomUUID();
  const encoded = ctx.encode(config, 'worker configuration');
  await explained(ctx.client().hset(ctx.keys.workerConfig, id, encoded, LATEST_CONFIG, encoded));
  return id;
}

/** Resolves when `n` workers (or all of `workerIds`) are registered. */
export async function waitForWorkers(
  ctx: WorkerContext,
  started: WorkerProcesses,
  options: WaitForWorkersOptions | undefined,
): Promise<void> {
  const o = checkOptions('options', options, ['n', 'workerIds', 'timeout', 'progress']);
  if (o.n === undefined && o.workerIds === undefined) {
    throw new RushInputError('options', 'needs `n` or `workerIds` (or both)');
  }
  const n = o.n === undefined ? undefined : checkPositiveInteger('n', o.n);
  const ids = o.workerIds === undefined ? undefined : checkKeys('workerIds', o.workerIds);
  const timeout = checkSeconds(
    'timeout',
    o.timeout ?? ctx.plan().startWorkerTimeout ?? Number.POSITIVE_INFINITY,
    { infinite: true },
  );
  const progress = checkBoolean('progress', o.progress ?? false) ? new ProgressLine() : undefined;
  let want = '';
  const deadline = Date.now() + timeout * 1000;
  try {
    await waitOnEvents(
      ctx.events,
      deadline,
      async () => {
        const { registered, missing } = await registration(ctx, ids);
        const [have, need] =
          n !== undefined ? [registered, n] : [ids!.length - missing.length, ids!.length];
        progress?.update(have, need, 'workers registered');
        if ((n === undefined || registered >= n) && missing.length === 0) return true;
        want = `${have} of ${need} workers`;
        if (Date.now() < deadline) await failIfAllExited(started, want);
        return undefined;
      },
      () => {
        throw new RushTimeoutError(`waitForWorkers: ${want} registered after ${timeout} s`);
      },
    );
  } finally {
    progress?.finish();
  }
}

async function registration(
  ctx: WorkerContext,
  ids: string[] | undefined,
): Promise<{ registered: number; missing: string[] }> {
  const multi = ctx.client().multi().zcard(ctx.keys.workers);
  if (ids && ids.length > 0) multi.zmscore(ctx.keys.workers, ...ids);
  const [registered, scores] = unwrap(await multi.exec()) as [number, (string | null)[]?];
  return { registered, missing: ids?.filter((_, i) => scores?.[i] === null) ?? [] };
}

/** Waiting is pointless when every worker this manager started has already exited. */
async function failIfAllExited(started: WorkerProcesses, want: string): Promise<void> {
  if (started.launchers.size === 0) return;
  for (const [id, launcher] of started.launchers) {
    if ((await launcher.isAlive(id)) !== false) return;
  }
  throw new RushError(
    `waitForWorkers: ${want} registered, and every worker started by this manager has exited; ` +
      'start them with `messageLog` to see why',
  );
}

/** Quotes a value for POSIX shells: single quotes, with embedded ones closed and escaped. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
