/**
 * Starting workers: storing the signed worker configuration, handing one spec per worker to a
 * launcher, `workerScript` (a shell command that starts one worker), waiting until workers
 * have registered, and removing stored configurations no worker can need any more.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { explained, RushError, RushInputError, RushTimeoutError } from '../errors.js';
import { shellQuote } from '../launchers/commands.js';
import type { WorkerSpec } from '../launchers/launcher.js';
import { MAX_WORKERS } from '../plan.js';
import { ProgressLine } from '../progress.js';
import { CONFIG_ENV, configToEnv, describeConfig } from '../redis/config.js';
import { unwrap } from '../redis/scripts/index.js';
import { waitOnEvents } from '../rush/events.js';
import { encodeValue } from '../tasks/codec.js';
import {
  checkBoolean,
  checkKeys,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
} from '../validate.js';
import { LATEST_CONFIG, type WorkerConfig, type WorkerLoop } from '../worker-config/loop.js';
import {
  buildWorkerConfig,
  checkLauncher,
  SCRIPT_OPTIONS,
  type StartWorkersOptions,
  type WaitForWorkersOptions,
  type WorkerScriptOptions,
} from '../worker-config/settings.js';
import {
  contentConfigId,
  SECRET_ENV,
  signatureField,
  signConfig,
} from '../worker-config/signing.js';
import type { ManagerContext, WorkerProcesses } from './manager-context.js';

/** Stores the configuration and starts workers through the launcher. Returns their ids. */
export async function startWorkers(
  ctx: ManagerContext,
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
    MAX_WORKERS,
  );
  const supervise = checkBoolean('supervise', o.supervise ?? true);
  const launcher = o.launcher === undefined ? started.local : checkLauncher(o.launcher);
  const config = workerConfig(ctx, loop, o);
  await pruneConfigs(ctx, started);
  started.trimAccounted();
  const workerIds = Array.from({ length: nWorkers }, () => randomUUID());
  const configId = await storeConfig(ctx, config, 'start', (id) => {
    // Marked before the configuration is stored, so no pruning removes it under this start.
    const pending = started.pendingConfigs.get(id) ?? new Set<string>();
    for (const workerId of workerIds) pending.add(workerId);
    started.pendingConfigs.set(id, pending);
  });

  // The whole Redis config (TLS files, cluster or sentinel addresses) and the signing key
  // travel in the environment, never on a command line.
  const env = { ...configToEnv(ctx.config), [SECRET_ENV]: ctx.secret };
  const specs: WorkerSpec[] = workerIds.map((workerId) => {
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
  ctx: ManagerContext,
  loop: WorkerLoop,
  options: WorkerScriptOptions | undefined,
): Promise<string> {
  const o = checkOptions('options', options, SCRIPT_OPTIONS);
  const config = workerConfig(ctx, loop, o);
  // A script may run at any time, so its configuration stays until reset (the same script
  // stored again shares one entry).
  const configId = await storeConfig(ctx, config, 'script');
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
  // The connection and the key go in the environment part of the command, so they are in no
  // process's argv (when the shell reads the script from a file or stdin, not `sh -c`).
  const [name, value] = scriptEnvironment(ctx.config);
  ctx.logger.info(
    {
      network: ctx.networkId,
      redis: describeConfig(ctx.config),
      script: `${name}='<redacted>' ${SECRET_ENV}='<redacted>' rushnet worker ${args}`,
    },
    'worker script',
  );
  return `${name}=${shellQuote(value)} ${SECRET_ENV}=${shellQuote(ctx.secret)} rushnet worker ${args}`;
}

/**
 * The configuration to store: the checked options, and the large-object settings of the plan,
 * which a worker adopts (they are signed with the rest).
 */
function workerConfig(
  ctx: ManagerContext,
  loop: WorkerLoop,
  o: Partial<WorkerScriptOptions>,
): WorkerConfig {
  const plan = ctx.plan();
  const config = buildWorkerConfig(loop, o, plan, ctx.durability);
  if (plan.largeObjectsPath !== undefined) config.largeObjectsPath = resolve(plan.largeObjectsPath);
  if (plan.maxObjectSize !== undefined) config.maxObjectSize = plan.maxObjectSize;
  return config;
}

/** The one environment variable that hands a config to a script worker. */
function scriptEnvironment(config: ManagerContext['config']): [string, string] {
  const env = configToEnv(config);
  const plainUrl = config.kind === 'standalone' && typeof config.tls === 'boolean';
  return plainUrl ? ['REDIS_URL', env.REDIS_URL!] : [CONFIG_ENV, env[CONFIG_ENV]!];
}

/**
 * Stores a worker configuration, signed, under an id of its own and as the latest one. Each
 * start names its own, so workers of an earlier start that read theirs late still run their own
 * loop. The id comes from the content and the key: storing the same configuration again reuses
 * its entry. `claim` runs once the id is known, before anything is written.
 */
async function storeConfig(
  ctx: ManagerContext,
  config: WorkerConfig,
  kind: 'start' | 'script',
  claim?: (configId: string) => void,
): Promise<string> {
  const id = contentConfigId(
    ctx.secret,
    kind,
    ctx.networkId,
    encodeValue(config, 'worker configuration'),
  );
  claim?.(id);
  // What Redis holds (a reference when the configuration is over the size limit) is signed.
  const stored = ctx.encode(config, 'worker configuration', 'config');
  const sign = (configId: string) => signConfig(ctx.secret, ctx.networkId, configId, stored);
  await explained(
    ctx
      .client()
      .hset(
        ctx.keys.workerConfig,
        id,
        stored,
        signatureField(id),
        sign(id),
        LATEST_CONFIG,
        stored,
        signatureField(LATEST_CONFIG),
        sign(LATEST_CONFIG),
      ),
  );
  return id;
}

/**
 * Removes the stored configurations of this manager's starts that no worker can need any more:
 * every worker of the start has registered (it read its configuration before) or exited.
 * Script configurations and the latest one stay; a worker removes nothing.
 */
export async function pruneConfigs(ctx: ManagerContext, started: WorkerProcesses): Promise<void> {
  if (started.pendingConfigs.size === 0) return;
  const workerIds = [...new Set([...started.pendingConfigs.values()].flatMap((s) => [...s]))];
  const registered = new Set<string>();
  for (let i = 0; i < workerIds.length; i += 10_000) {
    const chunk = workerIds.slice(i, i + 10_000);
    const scores = await ctx.client().zmscore(ctx.keys.workers, ...chunk);
    chunk.forEach((id, j) => {
      if (scores[j] !== null) registered.add(id);
    });
  }
  const gone = new Set<string>();
  for (const id of workerIds) {
    const launcher = started.launchers.get(id);
    // No launcher entry: it was trimmed from the table after it exited.
    if (!registered.has(id) && (!launcher || (await launcher.isAlive(id)) === false)) gone.add(id);
  }
  const done: string[] = [];
  for (const [configId, pending] of started.pendingConfigs) {
    for (const id of pending) if (registered.has(id) || gone.has(id)) pending.delete(id);
    if (pending.size === 0) done.push(configId);
  }
  if (done.length === 0) return;
  for (const configId of done) started.pendingConfigs.delete(configId);
  await explained(
    ctx
      .client()
      .hdel(
        ctx.keys.workerConfig,
        ...done.flatMap((configId) => [configId, signatureField(configId)]),
      ),
  );
}

/** Resolves when `n` workers (or all of `workerIds`) are registered. */
export async function waitForWorkers(
  ctx: ManagerContext,
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
    await pruneConfigs(ctx, started);
  } finally {
    progress?.finish();
  }
}

async function registration(
  ctx: ManagerContext,
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
