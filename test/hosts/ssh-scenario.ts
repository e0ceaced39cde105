/**
 * The multi-host scenario, run on simulated host A (ssh-multihost.test.ts starts it there, so
 * every connection to the hosts' addresses comes from inside their namespaces). It drives a
 * manager with sshLauncher workers on hosts B and C, cuts B's link and restores it, and prints
 * one `RESULT <json>` line with what it saw; the test asserts on that. Progress goes to stderr.
 * Its settings come in the RN_SCENARIO environment variable (they hold the Redis password).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Rush, type RushWorker, rsh, sshLauncher } from '../../src/index.js';
import { processesHolding } from './setup.js';
import { killedManager, waitFor } from './wait.js';

interface Settings {
  redisUrl: string;
  password: string;
  token: string;
  workerCommand: string;
  sshConfig: string;
  identityFile: string;
  wrongKey: string;
  portB: number;
  logDir: string;
  cut: string[];
  restore: string[];
}
const s = JSON.parse(process.env.RN_SCENARIO ?? '{}') as Settings;
const t0 = Date.now();
const say = (m: string) =>
  process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}\n`);

/** Never read or write ~/.ssh/known_hosts. */
const NO_KNOWN_HOSTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];

/** Pops tasks, sleeps `xs.ms` on each, finishes it. */
async function loop(rush: RushWorker): Promise<void> {
  while (!rush.terminated) {
    const task = await rush.popTask({ timeout: 1 });
    if (!task) continue;
    await new Promise((r) => setTimeout(r, (task.xs as { ms: number }).ms));
    await rush.finishTasks([task.key], [{ host: rush.hostname }]);
  }
}

/** Finished tasks per worker id. */
async function finishedBy(rush: Rush): Promise<Map<string, number>> {
  rush.resetCache();
  const counts = new Map<string, number>();
  for (const row of await rush.fetchFinishedTasks({ fields: ['worker_id'] })) {
    const id = String(row.worker_id);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
const sum = (m: Map<string, number>, ids: string[]) =>
  ids.reduce((a, id) => a + (m.get(id) ?? 0), 0);

/** The error a start with this launcher fails with. */
async function startError(rush: Rush, options: Parameters<typeof sshLauncher>[0], extra = {}) {
  try {
    await rush.startWorkers(loop, { launcher: sshLauncher(options), nWorkers: 1, ...extra });
    return { name: 'none', message: 'started' };
  } catch (error) {
    const e = error as Error;
    return { name: e.name, message: e.message };
  }
}

function onlyOnA(): string {
  const dir = join(s.logDir, 'only-on-A');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  mkdirSync(join(dir, 'logs'));
  return join(dir, 'logs');
}

/** Local ssh clients and remote shells of the launcher's starts (supervised: '1'). */
const sessions = (supervised: '0' | '1') => [
  ...processesHolding(`rushnet-ssh ${supervised} `),
  ...processesHolding(`rushnet-ssh\0${supervised}\0`),
];

/** Root-namespace pids of a worker's processes (found by the worker id in their arguments). */
const pidsOf = (id: string) => processesHolding(`--worker-id\0${id}`);

const result: Record<string, unknown> = {};
const rush = await rsh({ networkId: `mh-${Date.now()}`, config: s.redisUrl });
try {
  const base = { command: s.workerCommand, sshOptions: ['-F', s.sshConfig] };

  say('start failures');
  result.errors = {
    hostKey: await startError(rush, {
      ...base,
      hosts: ['hostB'],
      sshOptions: ['-F', s.sshConfig, '-o', 'StrictHostKeyChecking=yes'],
    }),
    auth: await startError(rush, {
      ...base,
      hosts: [{ host: 'hostB', port: s.portB, user: 'root', identityFile: s.wrongKey }],
      sshOptions: ['-F', '/dev/null', ...NO_KNOWN_HOSTS, '-o', 'IdentitiesOnly=yes'],
    }),
    command: await startError(rush, { ...base, hosts: ['hostC'], command: 'rushnet-no-such-cmd' }),
    // A directory that exists here on A (a tmpfs in A's own mount namespace), not on C.
    messageLog: await startError(rush, { ...base, hosts: ['hostC'] }, { messageLog: onlyOnA() }),
  };
  result.workersAfterErrors = await rush.nWorkers();

  say('workers on B and C');
  // Tasks of 150 ms, topped up as the scenario goes (a queue that never runs dry, or is drained).
  const keepQueued = async (n: number, ms = 150) => {
    const missing = n - (await rush.nQueuedTasks());
    if (missing > 0) await rush.pushTasks(Array.from({ length: missing }, () => ({ ms })));
  };
  await keepQueued(40);
  const launcher = sshLauncher({ ...base, hosts: ['hostB', 'hostC'], env: { RN_TOKEN: s.token } });
  const heartbeat = { heartbeatPeriod: 1, heartbeatExpire: 3 };
  const first = await rush.startWorkers(loop, {
    launcher,
    nWorkers: 4,
    messageLog: s.logDir,
    ...heartbeat,
  });
  const onB: string[] = [first[0]!, first[2]!];
  const onC: string[] = [first[1]!, first[3]!];
  result.onB = onB;
  result.onC = onC;
  await rush.waitForWorkers({ workerIds: first, timeout: 60 });
  result.hostnames = Object.fromEntries(
    (await rush.workerInfo()).map((w) => [w.worker_id, w.hostname]),
  );
  await waitFor('every worker to finish 2 tasks', async () => {
    await keepQueued(20);
    const done = await finishedBy(rush);
    return first.every((id) => (done.get(id) ?? 0) >= 2);
  });

  // Secrets: in the workers' environment, in no process's command line (local or remote).
  const pid = pidsOf(onB[0]!)[0];
  const environ = pid ? readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0') : [];
  result.environHasPassword = environ.some(
    (e) => e.startsWith('REDIS_URL=') && e.includes(s.password),
  );
  result.environHasToken = environ.includes(`RN_TOKEN=${s.token}`);
  result.cmdlinesWithSecrets = [...processesHolding(s.password), ...processesHolding(s.token)];
  result.aliveBeforeCut = await Promise.all(first.map((id) => launcher.isAlive(id)));

  say('cut B');
  // Long tasks: the cut comes while each of B's workers is in the middle of one.
  await rush.pushTasks(Array.from({ length: 8 }, () => ({ ms: 1500 })));
  await waitFor("B's workers to hold long tasks", async () => {
    const rows = await rush.fetchRunningTasks({ fields: ['xs', 'worker_id'] });
    const holding = rows.filter((r) => r.ms === 1500).map((r) => String(r.worker_id));
    return onB.every((id) => holding.includes(id));
  });
  execFileSync(s.cut[0]!, s.cut.slice(1));
  const atCut = await finishedBy(rush);
  const lost: string[] = [];
  await waitFor(
    "B's workers to be declared lost",
    async () => {
      lost.push(...(await rush.detectLostWorkers()));
      return onB.every((id) => lost.includes(id));
    },
    { timeoutMs: 60_000, everyMs: 250 },
  );
  result.lost = lost;
  const failed = (await rush.fetchFailedTasks()).filter((r) => onB.includes(String(r.worker_id)));
  result.failedOfB = failed.map((r) => ({ key: r.key, message: r.condition?.message }));
  result.runningOfBAfterLoss = (await rush.fetchRunningTasks({ fields: ['worker_id'] })).filter(
    (r) => onB.includes(String(r.worker_id)),
  ).length;
  const atLoss = await finishedBy(rush);
  result.isAliveDuringCut = await launcher.isAlive(onB[0]!);
  await waitFor(
    'C to carry on',
    async () => sum(await finishedBy(rush), onC) >= sum(atCut, onC) + 2,
  );
  result.cRunningDuringCut = (await rush.runningWorkerIds()).sort();
  // C drains the queue before B comes back. A dropped worker can still take a task in the
  // moment before it notices it was dropped (the pop script does not check that its worker is
  // still running), and would then finish it: with nothing queued, the check below is exact.
  await waitFor('C to drain the queue', async () => {
    const [queued, running] = await Promise.all([rush.nQueuedTasks(), rush.nRunningTasks()]);
    return queued === 0 && running === 0;
  });

  say('restore B');
  execFileSync(s.restore[0]!, s.restore.slice(1));
  await waitFor(
    "B's dropped workers to stop",
    async () =>
      (await Promise.all(onB.map((id) => launcher.isAlive(id)))).every((a) => a === false),
    { timeoutMs: 180_000, everyMs: 500 },
  );
  say("B's old workers stopped");
  result.failedStillFailed = await rush.isFailedTask(failed.map((r) => r.key));
  result.finishedByOldB = { atLoss: sum(atLoss, onB), end: sum(await finishedBy(rush), onB) };

  say('new workers on B');
  const launcherB = sshLauncher({
    command: s.workerCommand,
    hosts: [{ host: 'hostB', port: s.portB, user: 'root', identityFile: s.identityFile }],
    sshOptions: ['-F', '/dev/null', ...NO_KNOWN_HOSTS],
  });
  // Unsupervised: their ssh connection closes once they started; kill still reaches them.
  const fresh = await rush.startWorkers(loop, {
    launcher: launcherB,
    nWorkers: 2,
    supervise: false,
    ...heartbeat,
  });
  result.sshAfterUnsupervisedStart = await waitFor('the unsupervised start to disconnect', () =>
    sessions('0').length === 0 ? 'closed' : undefined,
  );
  await rush.waitForWorkers({ workerIds: fresh, timeout: 60 });
  await waitFor('the new B workers to finish tasks', async () => {
    await keepQueued(20);
    const done = await finishedBy(rush);
    return fresh.every((id) => (done.get(id) ?? 0) >= 2);
  });
  const info = await rush.workerInfo();
  result.fresh = fresh;
  result.freshHostnames = fresh.map((id) => info.find((w) => w.worker_id === id)?.hostname);

  say('stop all');
  result.stopped = (await rush.stopWorkers({ type: 'kill' })).sort();
  result.expectedStopped = [...onC, ...fresh].sort();
  result.aliveAfterStop = [
    ...(await Promise.all(onC.map((id) => launcher.isAlive(id)))),
    ...(await Promise.all(fresh.map((id) => launcherB.isAlive(id)))),
  ];
  result.workerProcessesLeft = first.concat(fresh).flatMap(pidsOf);
  // Nothing left to supervise: the ssh connections close, and their remote shells end.
  await waitFor(
    'the ssh connections to close',
    () => processesHolding('rushnet-ssh').length === 0,
    {
      timeoutMs: 20_000,
    },
  );
  result.sshLeft = processesHolding('rushnet-ssh');

  say('a supervised worker outlives no manager');
  const child = await killedManager({
    kind: 'ssh',
    redisUrl: s.redisUrl,
    networkId: rush.networkId,
    command: s.workerCommand,
    sshOptions: ['-F', s.sshConfig],
    host: 'hostC',
  });
  result.orphanGone = await waitFor("the killed manager's worker to end", () =>
    pidsOf(child.workerId).length === 0 ? true : undefined,
  );
  result.duration = Date.now() - t0;
} finally {
  await rush.close();
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
say(`done: ${JSON.stringify(result)}`);
