/**
 * Supervised workers die with the manager's process on every exit path: normal exit and
 * uncaught errors (the 'exit' event), SIGINT and SIGTERM (handled here), and SIGKILL of the
 * manager (the worker's watch sees its parent change and ends the worker).
 */
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let installed = false;

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  killAll();
  // Keep the default behaviour (exit) unless the application handles the signal itself.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  }
}

/** Kills `child` when this process ends. */
export function superviseChild(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
