/**
 * slurmLauncher: workers as the tasks of one Slurm job array per start (`sbatch --array`).
 * - The job script is a file the user can read and keep (`scriptDir`); array task i runs the
 *   worker of spec i, picked by `$SLURM_ARRAY_TASK_ID`.
 * - The Redis URL and the secret are not in the script and not in any argument: sbatch runs
 *   with them in its own environment and `--export=ALL` hands that to the tasks.
 * - `kill` is `scancel JOB_TASK`, `isAlive` asks `squeue` (one call answers for every job of
 *   this launcher): a task gone from the queue is `false`; squeue failing is `undefined`.
 * - Supervised workers (the default) are cancelled when the manager's process ends, however
 *   it ends: a small guard process waits for its input to close, then runs `scancel`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeValue, RushConfigError, RushInputError } from '../errors.js';
import { logger } from '../logging/logger.js';
import { checkOptions, checkPositiveInteger } from '../validate.js';
import {
  Batcher,
  checkArgs,
  checkEnv,
  checkText,
  checkWorkerId,
  runCommand,
  shellQuote,
  stderrTail,
} from './commands.js';
import type { WorkerLauncher, WorkerSpec } from './launcher.js';

/** Options of {@link slurmLauncher}. */
export interface SlurmLauncherOptions {
  /** `--partition`. @default the cluster's default partition */
  partition?: string;
  /** `--time`: a Slurm time (`'2:00:00'`, `'1-0'`) or minutes. @default the partition's */
  time?: string | number;
  /** `--mem` per worker: a Slurm size (`'4G'`) or megabytes. @default the partition's */
  memory?: string | number;
  /** `--cpus-per-task`. @default 1 */
  cpusPerWorker?: number;
  /** `--account`. */
  account?: string;
  /** More `sbatch` arguments, e.g. `['--qos=long', '--chdir=/scratch/me']`. */
  sbatchOptions?: string[];
  /**
   * How a compute node runs rushnet's command line (shell text), followed by the worker's
   * arguments. @default 'npx rushnet'
   */
  command?: string;
  /** Where job scripts are written (and kept). @default a new temporary directory */
  scriptDir?: string;
}

/** One submitted job array. */
export interface SlurmJob {
  jobId: string;
  /** The job script (holds no secret). */
  script: string;
  /** Worker ids, by array task index. */
  workerIds: string[];
}

/** One squeue call, answering isAlive for every task of `jobs` (undefined: squeue failed). */
interface Probe {
  pending: boolean;
  at: number;
  jobs: Set<string>;
  answer: Promise<Map<string, string> | undefined>;
}

/** States in which a job's worker runs or will run. */
const ALIVE_STATES = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
]);
const COMMAND_TIMEOUT_MS = 60_000;
/** An isAlive answer is reused this long (the manager asks for its workers one by one). */
const PROBE_REUSE_MS = 1000;

/** Starts workers as a Slurm job array. */
export function slurmLauncher(options: SlurmLauncherOptions = {}): SlurmLauncher {
  return new SlurmLauncher(options);
}

/** The launcher {@link slurmLauncher} returns; `jobs` lists the job arrays it submitted. */
export class SlurmLauncher implements WorkerLauncher {
  readonly name = 'slurm';
  /** Every job array submitted by this launcher. */
  readonly jobs: SlurmJob[] = [];
  readonly #directives: string[];
  readonly #sbatchOptions: string[];
  readonly #command: string;
  readonly #scriptDir: string | undefined;
  readonly #tasks = new Map<string, { job: string; index: number; gone: boolean }>();
  readonly #guards = new Map<string, ChildProcess>();
  readonly #cancels = new Batcher<boolean>((_, tasks) => this.#cancel(tasks));
  #probe: Probe = { pending: false, at: 0, jobs: new Set(), answer: Promise.resolve(undefined) };
  #dir: string | undefined;

  constructor(options: SlurmLauncherOptions = {}) {
    const o = checkOptions('options', options, [
      'partition',
      'time',
      'memory',
      'cpusPerWorker',
      'account',
      'sbatchOptions',
      'command',
      'scriptDir',
    ]);
    const directive = (flag: string, value: string | undefined) =>
      value === undefined ? [] : [`--${flag}=${value}`];
    this.#directives = [
      ...directive('partition', checkText('partition', o.partition)),
      ...directive('time', sizeOrText('time', o.time)),
      ...directive('mem', sizeOrText('memory', o.memory)),
      ...directive(
        'cpus-per-task',
        o.cpusPerWorker === undefined
          ? undefined
          : String(checkPositiveInteger('cpusPerWorker', o.cpusPerWorker)),
      ),
      ...directive('account', checkText('account', o.account)),
    ];
    this.#sbatchOptions = checkArgs('sbatchOptions', o.sbatchOptions);
    this.#command = checkText('command', o.command) ?? 'npx rushnet';
    this.#scriptDir = checkText('scriptDir', o.scriptDir);
  }

  async start(specs: readonly WorkerSpec[]): Promise<void> {
    if (specs.length === 0) return;
    for (const spec of specs) {
      checkWorkerId(spec.workerId);
      checkEnv('spec.env', spec.env);
      for (const [name, dir] of [
        ['messageLog', spec.messageLog],
        ['outputLog', spec.outputLog],
      ] as const) {
        if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) {
          throw new RushInputError(
            name,
            `must name an existing directory (on a file system the compute nodes share), got ${JSON.stringify(dir)}`,
          );
        }
      }
    }
    // One array per environment and supervision (the manager sends one of each).
    const groups = new Map<string, WorkerSpec[]>();
    for (const spec of specs) {
      const key = JSON.stringify([spec.supervise, spec.env]);
      groups.set(key, [...(groups.get(key) ?? []), spec]);
    }
    const submitted = this.jobs.length;
    try {
      for (const group of groups.values()) await this.#submit(group);
    } catch (error) {
      // All or nothing: the manager does not know about workers of a failed start.
      const jobs = this.jobs.splice(submitted);
      if (jobs.length > 0) {
        await runCommand(
          'scancel',
          jobs.map((j) => j.jobId),
          { timeoutMs: COMMAND_TIMEOUT_MS },
        );
      }
      for (const spec of specs) this.#tasks.delete(spec.workerId);
      throw error;
    }
  }

  async kill(workerId: string): Promise<boolean> {
    const task = this.#tasks.get(workerId);
    if (!task) return false;
    if (task.gone) return true;
    if (!(await this.#cancels.add('', `${task.job}_${task.index}`))) return false;
    task.gone = true;
    this.#release(task.job);
    return true;
  }

  async isAlive(workerId: string): Promise<boolean | undefined> {
    const task = this.#tasks.get(workerId);
    if (!task) return undefined;
    if (task.gone) return false;
    // The manager asks for its workers one by one: one squeue answers for all of them.
    let probe = this.#probe;
    if (!probe.jobs.has(task.job) || (!probe.pending && Date.now() - probe.at >= PROBE_REUSE_MS)) {
      const jobs = new Set([...this.#tasks.values()].filter((t) => !t.gone).map((t) => t.job));
      const fresh: Probe = { pending: true, at: 0, jobs, answer: Promise.resolve(undefined) };
      fresh.answer = this.#squeue([...jobs]).then((answer) => {
        fresh.pending = false;
        fresh.at = Date.now();
        return answer;
      });
      probe = fresh;
      this.#probe = fresh;
    }
    const states = await probe.answer;
    if (states === undefined) return undefined;
    const state = states.get(`${task.job}_${task.index}`);
    const alive = state !== undefined && ALIVE_STATES.has(state);
    if (!alive) {
      task.gone = true;
      this.#release(task.job);
    }
    return alive;
  }

  async #submit(specs: WorkerSpec[]): Promise<void> {
    const dir = this.#scriptDirectory();
    const network = networkOf(specs[0]!.args);
    const script = join(dir, `rushnet-${network ?? 'workers'}-${randomUUID().slice(0, 8)}.sh`);
    // Slurm's own messages (e.g. "CANCELLED AT …"): next to the workers' stderr, or nowhere.
    const messageLog = specs.find((s) => s.messageLog)?.messageLog;
    const output = messageLog ? join(resolve(messageLog), 'slurm_%A_%a.log') : '/dev/null';
    writeFileSync(script, this.#script(specs, network, output), { mode: 0o644 });
    logger.info({ script, n: specs.length }, `slurmLauncher: job script written to ${script}`);
    // The secrets travel in sbatch's environment, which --export=ALL hands to the tasks.
    const env: NodeJS.ProcessEnv = { ...process.env, ...specs[0]!.env };
    delete env.RUSHNET_SUPERVISOR_PID;
    const r = await runCommand(
      'sbatch',
      ['--parsable', '--export=ALL', `--output=${output}`, ...this.#sbatchOptions, script],
      { env, timeoutMs: COMMAND_TIMEOUT_MS },
    );
    if (r.spawnError) {
      throw new RushConfigError(
        r.spawnError.code === 'ENOENT'
          ? 'slurmLauncher: `sbatch` was not found on PATH: run the manager where Slurm commands work (a login node)'
          : `slurmLauncher: cannot run sbatch: ${r.spawnError.message}`,
      );
    }
    const jobId = /^(\d+)/.exec(r.stdout.trim())?.[1];
    if (r.code !== 0 || !jobId) {
      throw new RushConfigError(
        `slurmLauncher: sbatch failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}; script ${script}): ${stderrTail(r.stderr)}`,
      );
    }
    specs.forEach((spec, index) => {
      this.#tasks.set(spec.workerId, { job: jobId, index, gone: false });
    });
    this.jobs.push({ jobId, script, workerIds: specs.map((s) => s.workerId) });
    logger.info({ jobId, script }, `slurmLauncher: submitted job array ${jobId}`);
    if (specs[0]!.supervise) this.#guard(jobId);
  }

  /** The job script: directives, then one `case` branch per array task. */
  #script(specs: WorkerSpec[], network: string | undefined, output: string): string {
    const lines = [
      '#!/bin/sh',
      `# rushnet: ${specs.length} worker(s) of network ${network ?? '?'}, one per array task.`,
      '# Written by slurmLauncher. The environment (REDIS_URL, RUSHNET_SECRET) is not in this',
      "# file: it comes from sbatch's own environment (--export=ALL).",
      `#SBATCH --job-name=rushnet-${network ?? 'workers'}`,
      `#SBATCH --array=0-${specs.length - 1}`,
      `# Submitted as: sbatch --export=ALL --output=${output} <options> <this file>`,
      ...this.#directives.map((d) => `#SBATCH ${d}`),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text
      'case ${SLURM_ARRAY_TASK_ID:?not started as a Slurm array task} in',
      ...specs.map((s, i) => {
        const file = (dir: string | undefined, name: string) =>
          dir ? shellQuote(join(resolve(dir), `${name}_${s.workerId}.log`)) : '/dev/null';
        return (
          `  ${i}) set -- ${s.args.map(shellQuote).join(' ')}\n` +
          `     out=${file(s.outputLog, 'output')} err=${file(s.messageLog, 'message')} ;;`
        );
      }),
      '  *) echo "rushnet: no worker for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
      'esac',
      `${this.#command} "$@" </dev/null >>"$out" 2>>"$err"`,
      '',
    ];
    return lines.join('\n');
  }

  #scriptDirectory(): string {
    if (this.#scriptDir) {
      mkdirSync(this.#scriptDir, { recursive: true });
      return this.#scriptDir;
    }
    this.#dir ??= mkdtempSync(join(tmpdir(), 'rushnet-slurm-'));
    return this.#dir;
  }

  /** States of the tasks of these jobs, by `JOB_TASK`; undefined when squeue fails. */
  async #squeue(jobs: string[]): Promise<Map<string, string> | undefined> {
    const states = new Map<string, string>();
    if (jobs.length === 0) return states;
    const r = await runCommand('squeue', ['-h', '-r', '-j', jobs.join(','), '-o', '%i|%T'], {
      timeoutMs: COMMAND_TIMEOUT_MS,
    });
    // Every job purged from the controller: nothing of them runs.
    if (r.code !== 0 && /Invalid job id/i.test(r.stderr)) return states;
    if (r.code !== 0) return undefined;
    for (const line of r.stdout.split('\n')) {
      const [id, state] = line.trim().split('|');
      if (id && state) states.set(id, state.split(/[\s+]/)[0]!);
    }
    return states;
  }

  /** Cancels array tasks and waits (at most about 10 s) until they left the queue. */
  async #cancel(tasks: string[]): Promise<boolean> {
    const r = await runCommand('scancel', tasks, { timeoutMs: COMMAND_TIMEOUT_MS });
    if (r.code !== 0) return false;
    const deadline = Date.now() + 10_000;
    const ended = (states: Map<string, string>) =>
      tasks.every((t) => {
        const state = states.get(t);
        return state === undefined || (!ALIVE_STATES.has(state) && state !== 'COMPLETING');
      });
    for (;;) {
      const states = await this.#squeue([...new Set(tasks.map((t) => t.split('_')[0]!))]);
      if ((states && ended(states)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    this.#probe = { pending: false, at: 0, jobs: new Set(), answer: Promise.resolve(undefined) };
    return true;
  }

  /**
   * Supervision: a detached guard process (out of reach of a terminal's Ctrl-C) whose input is
   * a pipe from this process. When this process ends, the pipe closes and the guard cancels the
   * job; when every worker of the job is gone, the launcher closes the pipe itself.
   */
  #guard(jobId: string): void {
    const guard = spawn(
      'sh',
      ['-c', 'while read -r _; do :; done; exec scancel "$1"', 'rushnet-guard', jobId],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      },
    );
    guard.on('error', () => {});
    guard.stdin!.on('error', () => {});
    guard.unref();
    (guard.stdin as unknown as Socket).unref?.();
    this.#guards.set(jobId, guard);
  }

  /** Closes a job's guard once none of its workers is left. */
  #release(jobId: string): void {
    if ([...this.#tasks.values()].some((t) => t.job === jobId && !t.gone)) return;
    this.#guards.get(jobId)?.stdin?.end();
    this.#guards.delete(jobId);
  }
}

/** The network id among a worker's arguments (for names). */
function networkOf(args: string[]): string | undefined {
  const i = args.indexOf('--network');
  const id = i >= 0 ? args[i + 1] : undefined;
  return id && /^[A-Za-z0-9._-]+$/.test(id) ? id : undefined;
}

/** A Slurm time or size: text, or a positive number (minutes, megabytes). */
function sizeOrText(name: string, value: unknown): string | undefined {
  if (typeof value === 'number') return String(checkPositiveInteger(name, value));
  if (value !== undefined && (typeof value !== 'string' || !/^[\w:.-]+$/.test(value))) {
    throw new RushInputError(
      name,
      `must be a Slurm value such as '2:00:00' or '4G', or a positive integer, got ${describeValue(value)}`,
    );
  }
  return value;
}
