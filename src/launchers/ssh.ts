/**
 * sshLauncher: workers on other machines, started over the system `ssh` client (OpenSSH), so
 * that keys, `~/.ssh/config` and jump hosts work as they do for the user.
 * - Workers are spread over the hosts round robin; one ssh connection per host and start.
 * - The Redis URL and the secret travel on ssh's standard input as `NAME=value` lines that a
 *   remote `sh` exports (ssh-scripts.ts): never in an argument of any process, local or remote.
 * - Each worker runs in its own session and process group on its host; the launcher keeps its
 *   pid. `kill` SIGKILLs that group over ssh, `isAlive` asks over ssh (one connection per host
 *   for all its workers) and answers `undefined` when the host cannot be reached.
 * - Supervised workers (the default) keep their ssh connection open: when the manager's process
 *   ends, however it ends, the connection's input closes and the remote shell kills them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { describeValue, RushConfigError, RushError, RushInputError } from '../errors.js';
import { logger } from '../logging/logger.js';
import { checkOptions } from '../validate.js';
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
import { type SshHost, sshArgs, type Target, target } from './ssh-hosts.js';
import { KILL_SCRIPT, MARK, PROBE_SCRIPT, START_SCRIPT } from './ssh-scripts.js';

export type { SshHost };

/** Options of {@link sshLauncher}. */
export interface SshLauncherOptions {
  /** Where workers run, round robin. */
  hosts: SshHost[];
  /**
   * How the remote host runs rushnet's command line: shell text, followed by the worker's
   * arguments (`worker --network …`). It runs in a non-interactive ssh session, whose PATH
   * may lack your Node (nvm): give a full path, or set PATH through `env`.
   * @default 'npx rushnet'
   */
  command?: string;
  /**
   * More environment variables for the workers, sent like the Redis URL (never as arguments).
   * They win over the manager's: e.g. a `REDIS_URL` with an address the hosts can reach.
   */
  env?: Record<string, string>;
  /**
   * Extra `ssh` arguments placed before rushnet's own, e.g. `['-F', 'ssh_config']` or
   * `['-o', 'ConnectTimeout=3']`. An option given here wins over rushnet's defaults
   * (`BatchMode=yes`, `ConnectTimeout=10`, `LogLevel=ERROR`, `RequestTTY=no`).
   */
  sshOptions?: string[];
}

interface Session {
  child: ChildProcess;
  /** Workers of this connection that have not been seen gone. */
  live: Set<string>;
}

/** One isAlive question to a host, answered for all its workers (undefined: unreachable). */
interface Probe {
  pending: boolean;
  at: number;
  answer: Promise<Map<string, boolean> | undefined>;
}

interface Remote {
  target: Target;
  pid: number;
  gone: boolean;
  session?: Session;
}

/** How long a start, probe or kill on one host may take before it counts as failed. */
const START_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 60_000;
const KILL_TIMEOUT_MS = 60_000;
/** An isAlive answer is reused this long (the manager asks for its workers one by one). */
const PROBE_REUSE_MS = 1000;
/** At most this many ssh connections open at once while starting. */
const PARALLEL_STARTS = 16;

/** Starts workers on other machines over `ssh`. */
export function sshLauncher(options: SshLauncherOptions): SshLauncher {
  return new SshLauncher(options);
}

/** The launcher {@link sshLauncher} returns. */
export class SshLauncher implements WorkerLauncher {
  readonly name = 'ssh';
  readonly #targets: Target[];
  readonly #command: string;
  readonly #env: Record<string, string>;
  readonly #remotes = new Map<string, Remote>();
  readonly #probes = new Map<string, Probe>();
  /** Hosts whose last probe failed (their cause was told once). */
  readonly #unreachable = new Set<string>();
  readonly #kills = new Batcher<Set<string> | undefined>((key, ids) => this.#killOn(key, ids));
  #next = 0;

  constructor(options: SshLauncherOptions) {
    const o = checkOptions('options', options, ['hosts', 'command', 'env', 'sshOptions']);
    if (!Array.isArray(o.hosts) || o.hosts.length === 0) {
      throw new RushInputError(
        'hosts',
        `must be a non-empty array of hosts, got ${describeValue(o.hosts)}`,
      );
    }
    const base = sshArgs(checkArgs('sshOptions', o.sshOptions));
    this.#targets = o.hosts.map((h, i) => target(`hosts[${i}]`, h, base, i));
    this.#command = checkText('command', o.command) ?? 'npx rushnet';
    this.#env = checkEnv('env', o.env);
  }

  async start(specs: readonly WorkerSpec[]): Promise<void> {
    // One connection per host, and per environment and supervision (the manager sends one).
    const groups = new Map<string, { t: Target; specs: WorkerSpec[] }>();
    for (const spec of specs) {
      checkWorkerId(spec.workerId);
      checkEnv('spec.env', spec.env);
      const i = this.#next++ % this.#targets.length;
      const key = JSON.stringify([i, spec.supervise, spec.env]);
      const group = groups.get(key) ?? { t: this.#targets[i]!, specs: [] };
      group.specs.push(spec);
      groups.set(key, group);
    }
    const jobs = [...groups.values()];
    const results: PromiseSettledResult<void>[] = [];
    for (let i = 0; i < jobs.length; i += PARALLEL_STARTS) {
      const slice = jobs.slice(i, i + PARALLEL_STARTS);
      results.push(...(await Promise.allSettled(slice.map((g) => this.#startOn(g.t, g.specs)))));
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (!failed) return;
    // All or nothing: the manager does not know about workers of a failed start.
    const started = specs.filter((s) => this.#remotes.has(s.workerId));
    await Promise.all(started.map((s) => this.kill(s.workerId)));
    for (const s of specs) this.#remotes.delete(s.workerId);
    throw failed.reason;
  }

  async kill(workerId: string): Promise<boolean> {
    const remote = this.#remotes.get(workerId);
    if (!remote) return false;
    if (remote.gone) return true;
    const killed = await this.#kills.add(remote.target.key, workerId);
    if (!killed?.has(workerId)) return false;
    this.#gone(workerId, remote);
    return true;
  }

  async isAlive(workerId: string): Promise<boolean | undefined> {
    const remote = this.#remotes.get(workerId);
    if (!remote) return undefined;
    if (remote.gone) return false;
    // The manager asks for its workers one by one: one probe answers for all of a host's.
    for (const reuse of [true, false]) {
      let probe = this.#probes.get(remote.target.key);
      if (!reuse || !probe || (!probe.pending && Date.now() - probe.at >= PROBE_REUSE_MS)) {
        probe = this.#newProbe(remote.target);
      }
      const answer = await probe.answer;
      if (answer === undefined) return undefined;
      const alive = answer.get(workerId);
      if (alive === false) this.#gone(workerId, remote);
      // A probe that began before this worker started does not know it: ask again.
      if (alive !== undefined) return alive;
    }
    return undefined;
  }

  #newProbe(t: Target): Probe {
    const probe: Probe = {
      pending: true,
      at: 0,
      answer: this.#probe(t)
        .catch((error: unknown) => {
          // Unknown, not dead: the worker's heartbeat (if any) decides. The cause is told once
          // per outage, so a user can act on an unreachable host or a broken ssh setup.
          if (!this.#unreachable.has(t.key)) {
            this.#unreachable.add(t.key);
            logger.warn(
              { host: t.label },
              `sshLauncher: cannot ask host '${t.label}' whether its workers are alive: ${causeOf(error)}`,
            );
          }
          return undefined;
        })
        .then((answer) => {
          if (answer !== undefined) this.#unreachable.delete(t.key);
          probe.pending = false;
          probe.at = Date.now();
          return answer;
        }),
    };
    this.#probes.set(t.key, probe);
    return probe;
  }

  /** Starts one host's share of workers over one ssh connection. */
  #startOn(t: Target, specs: WorkerSpec[]): Promise<void> {
    const supervise = specs[0]!.supervise;
    const word = /^[A-Za-z0-9_./+-]+$/.exec(this.#command.trim().split(/\s+/)[0] ?? '')?.[0] ?? '';
    const remoteCommand = [
      'sh -c',
      shellQuote(START_SCRIPT),
      'rushnet-ssh',
      supervise ? '1' : '0',
      shellQuote(this.#command),
      shellQuote(word),
    ].join(' ');
    const env = { ...specs[0]!.env, ...this.#env };
    const lines = [
      ...Object.entries(env).map(([k, v]) => `E ${k}=${v}`),
      'G',
      ...specs.map((s) =>
        ['W', s.workerId, s.messageLog ?? '', s.outputLog ?? '', ...s.args]
          .map((w, i) => (i === 0 ? w : shellQuote(w)))
          .join(' '),
      ),
      '.',
    ];
    const child = spawn('ssh', [...t.args, remoteCommand], { stdio: 'pipe' });
    const session: Session = { child, live: new Set() };
    return new Promise<void>((resolve, reject) => {
      let stderr = '';
      let problem: Error | undefined;
      let ready = false;
      const timer = setTimeout(() => {
        problem = new RushConfigError(
          `sshLauncher: host '${t.label}' did not start its workers within ${START_TIMEOUT_MS / 1000} s`,
        );
        child.kill('SIGKILL');
      }, START_TIMEOUT_MS);
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        stderr = (stderr + s).slice(-8192);
      });
      child.on('error', (error: NodeJS.ErrnoException) => {
        problem = new RushConfigError(
          error.code === 'ENOENT'
            ? 'sshLauncher: the `ssh` program was not found on PATH (install OpenSSH: openssh-client)'
            : `sshLauncher: cannot run ssh: ${error.message}`,
        );
      });
      child.stdin.on('error', () => {
        // ssh ended early; its exit tells why.
      });
      onLines(child, (line) => {
        const [what, a, b] = line.split(' ');
        if (what === 'started' && a && b) {
          const spec = specs.find((s) => s.workerId === a);
          if (spec) {
            const remote: Remote = { target: t, pid: Number(b), gone: false };
            if (spec.supervise) {
              remote.session = session;
              session.live.add(a);
            }
            this.#remotes.set(a, remote);
          }
        } else if (what === 'ready') {
          ready = true;
          clearTimeout(timer);
          // The connection outlives this call without keeping the manager's process alive.
          if (session.live.size === 0) child.stdin.end();
          child.unref();
          for (const stream of [child.stdin, child.stdout, child.stderr]) {
            (stream as unknown as Socket).unref?.();
          }
          resolve();
        } else if (what === 'missing') {
          problem = new RushConfigError(
            `sshLauncher: on host '${t.label}', the command '${word}' was not found ` +
              `(PATH=${line.slice('missing '.length)}); give \`command\` with its full path, ` +
              'or set PATH with the `env` option',
          );
        } else if (what === 'nodir' && a) {
          problem = new RushInputError(
            a,
            `must name an existing directory on host '${t.label}', got ${JSON.stringify(line.slice(`nodir ${a} `.length))}`,
          );
        } else if (what === 'bad-env') {
          problem = new RushConfigError(
            `sshLauncher: host '${t.label}' refused an environment variable`,
          );
        }
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        for (const id of session.live) {
          const remote = this.#remotes.get(id);
          if (remote?.session === session) remote.session = undefined;
        }
        session.live.clear();
        if (ready) return;
        reject(
          problem ??
            new RushConfigError(
              code === 255
                ? `sshLauncher: cannot reach host '${t.label}' over ssh: ${stderrTail(stderr)}`
                : `sshLauncher: starting workers on host '${t.label}' failed (exit ${code}): ${stderrTail(stderr)}`,
            ),
        );
      });
      child.stdin.write(`${lines.join('\n')}\n`);
    });
  }

  /** Asks a host which of its workers are alive; rejects when the host cannot be reached. */
  async #probe(t: Target): Promise<Map<string, boolean>> {
    const pairs = [...this.#remotes]
      .filter(([, r]) => r.target === t && !r.gone)
      .flatMap(([id, r]) => [String(r.pid), id]);
    const out = await this.#run(t, PROBE_SCRIPT, pairs, PROBE_TIMEOUT_MS);
    const answer = new Map<string, boolean>();
    for (const line of out) {
      const [state, id] = line.split(' ');
      if (id) answer.set(id, state === 'alive');
    }
    return answer;
  }

  /** Kills workers of one host; resolves to those found gone, undefined when unreachable. */
  async #killOn(key: string, ids: string[]): Promise<Set<string> | undefined> {
    const t = this.#targets[Number(key)]!;
    const words = ids.map((id) => `${this.#remotes.get(id)!.pid}:${id}`);
    this.#probes.delete(key);
    try {
      const out = await this.#run(t, KILL_SCRIPT, words, KILL_TIMEOUT_MS);
      const survived = out.find((l) => l.startsWith('survived'))?.split(' ') ?? [];
      if (!out.includes('killed') && survived.length === 0) return undefined;
      return new Set(ids.filter((id) => !survived.includes(id)));
    } catch (error) {
      logger.warn(
        { host: t.label, workerIds: ids },
        `sshLauncher: cannot kill workers on host '${t.label}': ${causeOf(error)}`,
      );
      return undefined;
    }
  }

  /** Runs a script on a host over ssh; resolves to its marked output lines. */
  async #run(t: Target, script: string, args: string[], timeoutMs: number): Promise<string[]> {
    const remote = ['sh -c', shellQuote(script), 'rushnet-ssh', ...args.map(shellQuote)].join(' ');
    const r = await runCommand('ssh', [...t.args, remote], { timeoutMs });
    if (r.code !== 0) {
      throw new RushError(`sshLauncher: host '${t.label}': ${stderrTail(r.stderr)}`);
    }
    return r.stdout
      .split('\n')
      .filter((l) => l.startsWith(MARK))
      .map((l) => l.slice(MARK.length));
  }

  #gone(workerId: string, remote: Remote): void {
    remote.gone = true;
    const session = remote.session;
    if (!session) return;
    session.live.delete(workerId);
    // Nothing left to supervise on that connection: let it close.
    if (session.live.size === 0) session.child.stdin?.end();
  }
}

/** Calls `onLine` for each of the child's stdout lines that carries the launcher's mark. */
function onLines(child: ChildProcess, onLine: (line: string) => void): void {
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    buffer += s;
    let i = buffer.indexOf('\n');
    while (i >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      if (line.startsWith(MARK)) onLine(line.slice(MARK.length));
      i = buffer.indexOf('\n');
    }
  });
}

/** The message of a failure, for a warning (errors of #run name the host and ssh's stderr). */
function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
