/**
 * A manager process for the supervision checks of the host tests: it starts one supervised
 * worker through the launcher named in RN_CHILD (ssh or slurm), prints `WORKER <id> <job>` once
 * the worker registered, and then waits to be killed. Whoever killed it checks that the worker
 * went with it.
 */
import { type RushWorker, rsh, slurmLauncher, sshLauncher } from '../../src/index.js';

const o = JSON.parse(process.env.RN_CHILD ?? '{}') as {
  kind: 'ssh' | 'slurm';
  redisUrl: string;
  networkId: string;
  command: string;
  sshOptions?: string[];
  host?: string;
  scriptDir?: string;
};

async function loop(rush: RushWorker): Promise<void> {
  while (!rush.terminated) await rush.popTask({ timeout: 1 });
}

const rush = await rsh({ networkId: o.networkId, config: o.redisUrl });
const slurm =
  o.kind === 'slurm' ? slurmLauncher({ command: o.command, scriptDir: o.scriptDir }) : undefined;
const launcher =
  slurm ?? sshLauncher({ hosts: [o.host!], command: o.command, sshOptions: o.sshOptions });
const [id] = await rush.startWorkers(loop, { launcher, nWorkers: 1 });
await rush.waitForWorkers({ workerIds: [id!], timeout: 60 });
process.stdout.write(`WORKER ${id} ${slurm?.jobs[0]?.jobId ?? '-'}\n`);
setInterval(() => {}, 60_000);
