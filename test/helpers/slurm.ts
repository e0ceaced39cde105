/**
 * A real single-node Slurm cluster for tests (Debian's slurmctld, slurmd and munge), set up in
 * a temporary directory on free ports and stopped by pid. Recipe and measurements:
 * /work/shared/notes/slurm-single-node.md. Needs root (slurmd starts jobs as their user).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { killChild, waitFor } from '../hosts/wait.js';
import { freePort } from './redis-server.js';

const PROGRAMS = [
  'munged',
  'mungekey',
  'slurmctld',
  'slurmd',
  'sbatch',
  'squeue',
  'scancel',
  'sinfo',
];

export interface SlurmCluster {
  dir: string;
  /** Environment for Slurm's client commands (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  /** Cancels every job, stops the daemons and removes the directory. */
  stop(): Promise<void>;
}

function onPath(program: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Why a Slurm cluster cannot be started here, or undefined when it can. */
export function slurmUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (slurmd runs jobs as their user)';
  const missing = PROGRAMS.filter((p) => !onPath(p));
  if (missing.length > 0) {
    return `missing ${missing.join(', ')} (apt-get install slurmctld slurmd slurm-client munge)`;
  }
  return undefined;
}

function config(t: string, ctld: number, slurmd: number, cpus: number): string {
  return `ClusterName=rushnettest
SlurmctldHost=localhost
SlurmctldPort=${ctld}
SlurmdPort=${slurmd}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${t}/munge/munge.sock
StateSaveLocation=${t}/state
SlurmdSpoolDir=${t}/spool
SlurmctldPidFile=${t}/slurmctld.pid
SlurmdPidFile=${t}/slurmd.pid
SlurmctldLogFile=${t}/log/slurmctld.log
SlurmdLogFile=${t}/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${t}/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=5
NodeName=node0 NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=node0 Default=YES MaxTime=INFINITE State=UP
`;
}

/** Starts munged, slurmctld and slurmd; resolves once the node is idle. */
export async function startSlurm(): Promise<SlurmCluster> {
  // Short path: munge's and slurmd's Unix sockets live under it (108-byte limit).
  const t = mkdtempSync('/tmp/rn-slurm-');
  chmodSync(t, 0o755);
  for (const d of ['munge', 'state', 'spool', 'log', 'jobs'])
    mkdirSync(join(t, d), { mode: 0o755 });
  const children: ChildProcess[] = [];
  const env = { ...process.env, SLURM_CONF: join(t, 'slurm.conf') };
  const stop = async () => {
    if (children.length > 1) {
      // Jobs outlive slurmd: cancel them first, and wait until the queue is empty.
      try {
        execFileSync('scancel', ['--user=root'], { env, stdio: 'ignore', timeout: 10_000 });
        await waitFor(
          'the Slurm queue to empty',
          () => execFileSync('squeue', ['-h', '-o', '%i'], { env, timeout: 10_000 }).length === 0,
          { timeoutMs: 20_000 },
        );
      } catch {
        // The daemons go anyway.
      }
    }
    for (const child of children.reverse()) await killChild(child, 'SIGTERM');
    for (const child of children) await killChild(child);
    rmSync(t, { recursive: true, force: true });
  };
  try {
    const cpus = availableParallelism();
    writeFileSync(env.SLURM_CONF, config(t, await freePort(), await freePort(), cpus));
    const key = join(t, 'munge/munge.key');
    execFileSync('mungekey', ['--create', `--keyfile=${key}`]);
    const start = (program: string, args: string[]) => {
      const child = spawn(program, args, { env, stdio: 'ignore' });
      child.on('error', () => {});
      children.push(child);
      return child;
    };
    const m = join(t, 'munge');
    const munged = start('munged', [
      '-F',
      `--key-file=${key}`,
      `--socket=${m}/munge.sock`,
      `--pid-file=${m}/munged.pid`,
      `--log-file=${t}/log/munged.log`,
      `--seed-file=${m}/munged.seed`,
    ]);
    await waitFor('munged', () => {
      if (munged.exitCode !== null) throw new Error(`munged exited (${t}/log/munged.log)`);
      return existsSync(`${m}/munge.sock`);
    });
    start('slurmctld', ['-D', '-f', env.SLURM_CONF]);
    start('slurmd', ['-D', '-N', 'node0', '-f', env.SLURM_CONF]);
    await waitFor(
      'the Slurm node to be idle',
      () => {
        try {
          const state = execFileSync('sinfo', ['-h', '-n', 'node0', '-o', '%T'], {
            env,
            timeout: 5000,
            stdio: ['ignore', 'pipe', 'ignore'],
          });
          return state.toString().trim() === 'idle';
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000 },
    );
    return { dir: t, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
