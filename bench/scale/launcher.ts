/**
 * GroupLauncher: a WorkerLauncher (for `rush.startWorkers`) that runs `perProcess` workers in
 * each local process with `rushnet worker --count <k> --worker-id <id> …`: every worker is its
 * own RushWorker (connection, sentinel, heartbeat) in a shared Node process. Killing one worker
 * kills its whole process (the benchmark only ever kills all of them). Every process it starts
 * is supervised (it dies with this one) and can be killed by pid with `killAll()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerLauncher, WorkerSpec } from '../../dist/index.js';
import { cliCommand } from '../../dist/launchers/local.js';
import { superviseChild } from '../../dist/manager/supervision.js';

export class GroupLauncher implements WorkerLauncher {
  readonly name = 'group';
  /** The process of each worker. */
  readonly #byWorker = new Map<string, ChildProcess>();
  /** Every process started, in start order. */
  readonly children: ChildProcess[] = [];

  constructor(readonly perProcess: number) {}

  async start(specs: readonly WorkerSpec[]): Promise<void> {
    const { program, args } = cliCommand();
    for (let from = 0; from < specs.length; from += this.perProcess) {
      const group = specs.slice(from, from + this.perProcess);
      const first = group[0]!;
      // The spec's own arguments without its single --worker-id; then one per worker.
      const base: string[] = [];
      for (let i = 0; i < first.args.length; i++) {
        if (first.args[i] === '--worker-id') i++;
        else base.push(first.args[i]!);
      }
      const ids = group.flatMap((spec) => ['--worker-id', spec.workerId]);
      const err = first.messageLog
        ? openSync(join(first.messageLog, `message_${first.workerId}.log`), 'a')
        : 'ignore';
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, ...first.env };
        env.RUSHNET_SUPERVISOR_PID = String(process.pid);
        const child = spawn(program, [...args, ...base, '--count', String(group.length), ...ids], {
          stdio: ['ignore', 'ignore', err],
          env,
        });
        child.on('error', () => {
          // reported through isAlive()
        });
        superviseChild(child);
        this.children.push(child);
        for (const spec of group) this.#byWorker.set(spec.workerId, child);
      } finally {
        if (typeof err === 'number') closeSync(err);
      }
    }
  }

  async kill(workerId: string): Promise<boolean> {
    const child = this.#byWorker.get(workerId);
    if (!child) return false;
    await killChild(child);
    return true;
  }

  async isAlive(workerId: string): Promise<boolean | undefined> {
    const child = this.#byWorker.get(workerId);
    if (!child) return undefined;
    return alive(child);
  }

  /** Pids of the processes still running. */
  pids(): number[] {
    return this.children.filter(alive).map((child) => child.pid!);
  }

  /** SIGKILLs every process still running and waits for them to exit. */
  async killAll(): Promise<void> {
    await Promise.all(this.children.map(killChild));
  }
}

const alive = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null && child.pid !== undefined;

/** One kill per process, however many of its workers are killed. */
const kills = new WeakMap<ChildProcess, Promise<void>>();

function killChild(child: ChildProcess): Promise<void> {
  if (!alive(child)) return Promise.resolve();
  let kill = kills.get(child);
  if (!kill) {
    kill = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      setTimeout(resolve, 5000).unref();
      child.kill('SIGKILL');
    });
    kills.set(child, kill);
  }
  return kill;
}
