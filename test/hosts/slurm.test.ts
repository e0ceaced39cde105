/**
 * slurmLauncher against a real single-node Slurm (slurmctld, slurmd, munge from Debian), set up
 * by the test in a temporary directory: workers start as a job array and finish tasks, are
 * killed by stopWorkers, and a job task cancelled behind rushnet's back is found lost.
 * Run with `npm run test:hosts` (needs root, the Slurm packages, and `npm run build`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rush, type RushWorker, rsh, slurmLauncher } from '../../src/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type SlurmCluster, slurmUnavailable, startSlurm } from '../helpers/slurm.js';
import { hostsTestsSkipReason, processesHolding, WORKER_COMMAND } from './setup.js';
import { killedManager, waitFor } from './wait.js';

const skip = hostsTestsSkipReason() ?? slurmUnavailable();
if (skip) console.warn(`slurm launcher test skipped: ${skip}`);

/** Pops tasks and sleeps `xs.ms` on each, then finishes it with the host's name. */
async function loop(rush: RushWorker): Promise<void> {
  while (!rush.terminated) {
    const task = await rush.popTask({ timeout: 1 });
    if (!task) continue;
    await new Promise((r) => setTimeout(r, (task.xs as { ms: number }).ms));
    await rush.finishTasks([task.key], [{ host: rush.hostname }]);
  }
}

/** What squeue lists of a job's tasks: '' when none is left (or the job was purged already). */
function inQueue(jobId: string): string {
  const q = spawnSync('squeue', ['-h', '-r', '-j', jobId, '-o', '%i|%T'], { encoding: 'utf8' });
  if (q.status !== 0 && /Invalid job id/.test(q.stderr)) return '';
  if (q.status !== 0) throw new Error(`squeue failed: ${q.stderr}`);
  return q.stdout;
}

describe.skipIf(skip !== undefined)('slurmLauncher on a real Slurm', () => {
  const password = randomBytes(12).toString('hex');
  let cluster: SlurmCluster | undefined;
  let redis: RedisServer | undefined;
  let rush: Rush | undefined;
  let dir = '';
  const previousConf = process.env.SLURM_CONF;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rushnet-slurm-test-'));
    redis = await startRedisServer(['--requirepass', password]);
    cluster = await startSlurm();
    // The launcher runs sbatch, squeue and scancel with this process's environment.
    process.env.SLURM_CONF = cluster.env.SLURM_CONF;
    rush = await rsh({
      networkId: `slurm-${randomUUID()}`,
      config: `redis://:${password}@127.0.0.1:${redis.port}`,
    });
  }, 60_000);

  afterAll(async () => {
    await rush?.close();
    await cluster?.stop();
    await redis?.stop();
    if (previousConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = previousConf;
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('starts workers as a job array, kills them, and finds a cancelled one lost', async () => {
    const r = rush!;
    const scriptDir = join(dir, 'scripts');
    const launcher = slurmLauncher({
      partition: 'debug',
      time: '10:00',
      memory: '100M',
      cpusPerWorker: 1,
      command: WORKER_COMMAND,
      scriptDir,
    });
    const keys = await r.pushTasks(Array.from({ length: 20 }, () => ({ ms: 50 })));
    const ids = await r.startWorkers(loop, { launcher, nWorkers: 2, messageLog: dir });

    // The job script: readable, one branch per worker, no password.
    expect(launcher.jobs).toHaveLength(1);
    const job = launcher.jobs[0]!;
    expect(job.workerIds).toEqual(ids);
    const script = readFileSync(job.script, 'utf8');
    for (const id of ids) expect(script).toContain(id);
    expect(script).toContain('#SBATCH --array=0-1');
    expect(script).toContain('#SBATCH --partition=debug');
    expect(script).not.toContain(password);

    await r.waitForWorkers({ workerIds: ids, timeout: 60 });
    await r.waitForTasks(keys, { timeout: 60 });
    const rows = await r.fetchFinishedTasks();
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((row) => row.host))).toEqual(new Set([hostname()]));
    const info = await r.workerInfo();
    expect(info.map((w) => w.worker_id).sort()).toEqual([...ids].sort());

    // The password is in the workers' environment, in no command line.
    const pid = info[0]!.pid;
    expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain(password);
    expect(processesHolding(password)).toEqual([]);
    expect(await Promise.all(ids.map((id) => launcher.isAlive(id)))).toEqual([true, true]);

    // stopWorkers kills them through scancel.
    expect((await r.stopWorkers({ type: 'kill' })).sort()).toEqual([...ids].sort());
    expect(await Promise.all(ids.map((id) => launcher.isAlive(id)))).toEqual([false, false]);
    expect((await r.terminatedWorkerIds()).sort()).toEqual([...ids].sort());
    expect(inQueue(job.jobId)).toBe('');

    // A job task cancelled behind rushnet's back: detectLostWorkers finds it, fails its task.
    const held = await r.pushTasks([{ ms: 600_000 }, { ms: 600_000 }]);
    const more = await r.startWorkers(loop, { launcher, nWorkers: 2 });
    await r.waitForWorkers({ workerIds: more, timeout: 60 });
    await waitFor('both workers to hold a task', async () => (await r.nRunningTasks()) === 2);
    expect(await r.detectLostWorkers()).toEqual([]);
    const second = launcher.jobs[1]!;
    execFileSync('scancel', [`${second.jobId}_0`], { env: cluster!.env });
    const lost = await waitFor('the cancelled worker to be found lost', async () => {
      const found = await r.detectLostWorkers();
      return found.length > 0 ? found : undefined;
    });
    expect(lost).toEqual([more[0]]);
    const failed = await r.fetchFailedTasks();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      worker_id: more[0],
      condition: { message: 'Worker has crashed or was killed' },
    });
    expect(held).toContain(failed[0]!.key);
    expect(await r.runningWorkerIds()).toEqual([more[1]]);

    await r.stopWorkers({ type: 'kill' });
    expect(await launcher.isAlive(more[1]!)).toBe(false);
    expect(inQueue(second.jobId)).toBe('');
    // Workers wrote their stderr where messageLog said (the files exist, one per worker).
    const logs = readdirSync(dir).filter((f) => f.startsWith('message_'));
    expect(logs.sort()).toEqual(ids.map((id) => `message_${id}.log`).sort());
    expect(existsSync(job.script)).toBe(true);

    // Supervised workers are cancelled when their manager dies, even by SIGKILL.
    const orphan = await killedManager({
      kind: 'slurm',
      redisUrl: `redis://:${password}@127.0.0.1:${redis!.port}`,
      networkId: r.networkId,
      command: WORKER_COMMAND,
      scriptDir,
    });
    await waitFor(
      "the killed manager's job to leave the queue",
      () => inQueue(orphan.jobId) === '',
    );
  }, 180_000);
});
