/**
 * LocalLauncher: workers as child processes of this process, supervised so that they die with
 * it. Also `cliCommand()`, how to run this package's own CLI with the running Node.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { superviseChild } from '../manager/supervision.js';
import { FROM_SOURCES, ownModule } from '../module-paths.js';
import type { WorkerLauncher, WorkerSpec } from './launcher.js';

/**
 * How to run this package's own CLI with the running Node, for the `worker` command (the only
 * one a launcher runs): the one-file worker bundle that the build makes (dist/worker-entry.js,
 * much faster to load than the modules), else dist/cli/main.js; tsx and the TypeScript entry
 * when running from the sources (tests).
 */
export function cliCommand(): { program: string; args: string[] } {
  if (FROM_SOURCES) {
    const entry = fileURLToPath(ownModule('../cli/main', import.meta.url));
    return { program: process.execPath, args: ['--import', 'tsx', entry] };
  }
  // This module is dist/launchers/local.js, or inlined in dist/worker-entry.js itself (a worker
  // that starts workers).
  const inBundle = import.meta.url.endsWith('/worker-entry.js');
  const bundle = new URL(inBundle ? './worker-entry.js' : '../worker-entry.js', import.meta.url);
  const main = new URL(inBundle ? './cli/main.js' : '../cli/main.js', import.meta.url);
  return { program: process.execPath, args: [fileURLToPath(existsSync(bundle) ? bundle : main)] };
}

/** Runs workers as child processes of this process. */
export class LocalLauncher implements WorkerLauncher {
  readonly name = 'local';

  /** @param processes where started children are recorded, by worker id */
  constructor(readonly processes: Map<string, ChildProcess> = new Map()) {}

  async start(specs: readonly WorkerSpec[]): Promise<void> {
    const { program, args } = cliCommand();
    for (const spec of specs) {
      // Output goes to files or nowhere, never to a pipe that could fill up and block.
      const out = spec.outputLog
        ? openSync(join(spec.outputLog, `output_${spec.workerId}.log`), 'a')
        : 'ignore';
      const err = spec.messageLog
        ? openSync(join(spec.messageLog, `message_${spec.workerId}.log`), 'a')
        : 'ignore';
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, ...spec.env };
        if (spec.supervise) env.RUSHNET_SUPERVISOR_PID = String(process.pid);
        else delete env.RUSHNET_SUPERVISOR_PID;
        const child = spawn(program, [...args, ...spec.args], { stdio: ['ignore', out, err], env });
        child.on('error', () => {
          // Reported through isAlive(): a child that failed to spawn has exited.
        });
        if (spec.supervise) superviseChild(child);
        else child.unref();
        this.processes.set(spec.workerId, child);
      } finally {
        if (typeof out === 'number') closeSync(out);
        if (typeof err === 'number') closeSync(err);
      }
    }
  }

  /** SIGKILLs the worker and resolves once it has exited (so it writes nothing more). */
  async kill(workerId: string): Promise<boolean> {
    const child = this.processes.get(workerId);
    if (!child) return false;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => {
        child.once('exit', resolve);
        setTimeout(resolve, 5000).unref();
      });
      child.kill('SIGKILL');
      await exited;
    }
    return true;
  }

  async isAlive(workerId: string): Promise<boolean | undefined> {
    const child = this.processes.get(workerId);
    if (!child) return undefined;
    return child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  }
}
