/**
 * `rushnet demo`: a complete rush network on this machine. Local workers run a decentralized
 * optimization of the Branin function (ADBO from rushnet/optimize, or random search) while the
 * terminal shows live progress; a summary and the results follow. Without a configured Redis it runs a private redis-server and stops it.
 */

import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { startDashboard } from '../dashboard/index.js';
import { ownModule } from '../module-paths.js';
import { ProgressLine } from '../progress.js';
import { configToUrl, resolveConfig } from '../redis/config.js';
import { answersPing, type EmbeddedRedis, startEmbeddedRedis } from '../redis/embedded-redis.js';
import { Rush } from '../rush.js';
import { action, positiveInteger, positiveNumber, untilInterrupted } from './common.js';
import type { DemoLoopOptions } from './demo-loop.js';
import { toCsv } from './export.js';

const KNOWN_MINIMUM = 0.397887;

interface DemoOptions {
  workers?: number;
  tasks: number;
  duration: number;
  evalMs: number;
  url?: string;
  embedded?: boolean;
  dashboard?: boolean;
  dashboardPort?: number;
  optimizer: 'adbo' | 'random';
}

function optimizerName(value: string): 'adbo' | 'random' {
  if (value !== 'adbo' && value !== 'random')
    throw new InvalidArgumentError('must be adbo or random');
  return value;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

/** Bounds a cleanup step, so a dead server cannot hang the exit. */
function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  return Promise.race([
    work,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref()),
  ]).catch(() => undefined);
}

/** Chooses the Redis: --url or REDIS_URL, else the default address if it answers, else a private one. */
async function chooseRedis(
  options: DemoOptions,
): Promise<{ url: string; embedded?: EmbeddedRedis }> {
  const configured = options.url ?? (process.env.REDIS_URL || undefined);
  if (!options.embedded && configured) return { url: configured };
  if (!options.embedded && (await answersPing(6379))) return { url: 'redis://127.0.0.1:6379' };
  // Its own process group: a Ctrl-C in the terminal reaches the demo, which stops it in order.
  const embedded = await startEmbeddedRedis([], { detached: true });
  return { url: embedded.url, embedded };
}

interface Best {
  x1: number;
  x2: number;
  y: number;
}

async function runDemo(options: DemoOptions): Promise<void> {
  const out = process.stdout;
  const started = Date.now();
  const { url, embedded } = await chooseRedis(options);
  const killEmbedded = () => embedded && process.kill(embedded.pid, 'SIGKILL');
  if (embedded) process.once('exit', killEmbedded);
  const shownUrl = configToUrl(resolveConfig(url, undefined), { redact: true });
  out.write(
    embedded
      ? `rushnet demo: started a private redis-server (pid ${embedded.pid}) on 127.0.0.1:${embedded.port}\n`
      : `rushnet demo: using Redis at ${shownUrl}\n`,
  );

  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: leave now ('exit' handlers still clean up)
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const rush = await new Rush({
    networkId: `demo-${Date.now().toString(36)}`,
    config: url,
  }).connect();
  // The dashboard starts before the workers, so its charts show the whole run.
  const dashboard = options.dashboard
    ? await startDashboard({ config: url, network: rush.networkId, port: options.dashboardPort })
    : undefined;
  if (dashboard) out.write(`rushnet demo: dashboard at ${dashboard.url}\n`);
  const nWorkers = options.workers ?? availableParallelism();
  const deadline = started + options.duration * 1000;
  // The first worker pushes the initial design to the queue; every worker evaluates from it,
  // then proposes on its own, learning from all results (see docs/optimization.md).
  const loopOptions: DemoLoopOptions = {
    evaluations: options.tasks,
    deadline,
    evalMs: options.evalMs,
    optimizer: options.optimizer,
    initialDesign: Math.min(options.tasks, Math.max(10, 2 * nWorkers)),
  };
  const loop = { module: ownModule('./demo-loop', import.meta.url) };
  const ids = await rush.startLocalWorkers(loop, {
    nWorkers,
    args: [loopOptions],
    // Each evaluation's log record (with x1, x2 and y) goes to Redis: `rushnet logs` shows them.
    logThresholds: { rushnet: 'info' },
  });
  const method = options.optimizer === 'random' ? 'random search' : 'ADBO';
  out.write(
    `rushnet demo: network ${rush.networkId}, ${nWorkers} workers minimizing the Branin function with ${method} (${options.tasks} evaluations)\n`,
  );

  const progress = new ProgressLine(out);
  const perWorker = new Map<string, number>();
  let best: Best | undefined;
  let finished = 0;
  let failed = 0;
  let lastLine = 0;
  while (!interrupted) {
    for (const row of await rush.fetchNewTasks({
      fields: ['xs', 'ys', 'worker_id'],
      timeout: 0.2,
    })) {
      finished++;
      perWorker.set(row.worker_id!, (perWorker.get(row.worker_id!) ?? 0) + 1);
      const y = row.y as number;
      if (!best || y < best.y) best = { x1: row.x1 as number, x2: row.x2 as number, y };
    }
    const running = await rush.nRunningWorkers();
    failed = await rush.nFailedTasks();
    const done = finished + failed;
    const seconds = (Date.now() - started) / 1000;
    const status = `${(done / Math.max(seconds, 0.001)).toFixed(0)} tasks/s · ${running} workers · ${failed} failed · best ${best ? best.y.toFixed(5) : '-'} · ${seconds.toFixed(1)} s`;
    if (out.isTTY) progress.update(done, options.tasks, status);
    else if (Date.now() - lastLine >= 1000) {
      lastLine = Date.now();
      out.write(`  ${done}/${options.tasks} tasks · ${status}\n`);
    }
    const allDone = ids.every((id) => rush.processes.get(id)?.exitCode !== null);
    if (done >= options.tasks || Date.now() > deadline + 2000 || allDone) break;
  }
  progress.finish();

  // Stop the workers: ask first, then insist.
  await within(3000, rush.stopWorkers({ type: interrupted ? 'kill' : 'terminate' }));
  const stopBy = Date.now() + 3000;
  while (
    !interrupted &&
    Date.now() < stopBy &&
    ids.some((id) => rush.processes.get(id)?.exitCode === null)
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  await within(5000, rush.stopWorkers({ type: 'kill' }));

  const seconds = (Date.now() - started) / 1000;
  const lines = [
    interrupted
      ? 'rushnet demo: interrupted; workers stopped'
      : `rushnet demo: finished in ${seconds.toFixed(1)} s`,
    `  ${finished} evaluations finished by ${nWorkers} workers with ${method} (${(finished / seconds).toFixed(0)} tasks/s)`,
    `  ${failed} failed (the simulated solver diverges where x1 < -3 and x2 < 4; see the conditions)`,
  ];
  if (best) {
    lines.push(
      `  best: y = ${best.y.toFixed(6)} at x1 = ${best.x1.toFixed(5)}, x2 = ${best.x2.toFixed(5)} (known minimum ${KNOWN_MINIMUM})`,
    );
  }
  lines.push('  tasks per worker:');
  for (const id of ids) {
    lines.push(
      `    ${id.slice(0, 8)} (pid ${rush.processes.get(id)?.pid}): ${perWorker.get(id) ?? 0}`,
    );
  }
  const rows =
    (await within(5000, rush.fetchTasksWithState({ fields: ['xs', 'ys', 'worker_id'] }))) ?? [];
  if (rows.length > 0) {
    const file = join(tmpdir(), `rushnet-${rush.networkId}.csv`);
    writeFileSync(
      file,
      toCsv(
        rows.map(({ key, state, worker_id, ...columns }) => ({
          key,
          state,
          worker_id,
          ...columns,
        })),
      ),
    );
    lines.push(`  results: ${file}`);
  }
  if (dashboard) {
    // The summary now; the dashboard (and its Redis) stays until Ctrl-C.
    out.write(`${lines.splice(0).join('\n')}\n`);
    if (!interrupted) {
      out.write(`rushnet demo: the dashboard stays at ${dashboard.url} (Ctrl-C to stop)\n`);
      const stop = untilInterrupted();
      while (!stop.stopped()) await stop.wait(60_000);
      interrupted = false; // that Ctrl-C only ended the dashboard
    }
    await within(3000, dashboard.close());
  }
  if (embedded) {
    await within(3000, rush.close());
    await embedded.stop();
    process.removeListener('exit', killEmbedded);
    lines.push(`  the private redis-server (pid ${embedded.pid}) is stopped`);
  } else {
    await within(3000, rush.close());
    const urlFlag = options.url ? ` --url '${shownUrl}'` : '';
    lines.push(
      '  look again:',
      `    rushnet status --network ${rush.networkId}${urlFlag}`,
      `    rushnet export --network ${rush.networkId} --format csv${urlFlag}`,
      `    rushnet reset --network ${rush.networkId} --yes${urlFlag}   # remove it`,
    );
  }
  out.write(`${lines.join('\n')}\n`);
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  if (interrupted) process.exit(130);
}

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run a complete network on this machine: workers minimizing the Branin function, with live progress',
    )
    .option('--workers <n>', 'number of workers (default: number of cores)', positiveInteger)
    .option('--tasks <n>', 'evaluations to run', positiveInteger, 400)
    .option('--optimizer <name>', 'adbo or random', optimizerName, 'adbo')
    .option('--duration <s>', 'stop after this many seconds at the latest', positiveNumber, 60)
    .option('--eval-ms <ms>', 'simulated cost of one evaluation in milliseconds', nonNegative, 20)
    .option(
      '--url <redis-url>',
      'use this Redis (default: $REDIS_URL, else 127.0.0.1:6379 if it answers, else a private redis-server)',
    )
    .option('--embedded', 'always use a private redis-server')
    .option('--dashboard', 'serve the live dashboard of the run, and keep it until Ctrl-C')
    .option('--dashboard-port <n>', 'port of the dashboard (default: a free one)', positiveInteger)
    .action(action(runDemo));
}
