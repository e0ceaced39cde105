/**
 * What the manager's worker machinery (start, stop, detect, logs) needs: a narrow context, not
 * the `Rush` class, and the record of the workers this manager started and through which
 * launcher.
 */
import type { ChildProcess } from 'node:child_process';
import type { WorkerLauncher } from '../launchers/launcher.js';
import { LocalLauncher } from '../launchers/local.js';
import type { RushPlan } from '../plan.js';
import type { ResolvedRedisConfig } from '../redis/config.js';
import type { RushContext } from '../rush/context.js';

export interface ManagerContext extends RushContext {
  readonly config: Readonly<ResolvedRedisConfig>;
  /** The plan in force (defaults for worker starts). */
  plan(): RushPlan;
  /** The key that signs stored worker configurations (never logged, never sent to Redis). */
  readonly secret: string;
}

/** The workers this manager started: their local processes, and each one's launcher. */
export class WorkerProcesses {
  /** Local worker processes, by worker id. */
  readonly processes = new Map<string, ChildProcess>();
  readonly local = new LocalLauncher(this.processes);
  /** The launcher of every worker started here, by worker id. */
  readonly launchers = new Map<string, WorkerLauncher>();
  /** Stored configurations of this manager's starts → their workers that may still read it. */
  readonly pendingConfigs = new Map<string, Set<string>>();
  /** Workers whose exit has been accounted for (lost or killed): trimmed at the next start. */
  readonly #accounted = new Set<string>();

  /** Notes workers that exited (or were killed) and whose end the network has recorded. */
  accountFor(workerIds: Iterable<string>): void {
    for (const id of workerIds) if (this.launchers.has(id)) this.#accounted.add(id);
  }

  /**
   * Forgets the accounted workers, so the table does not grow with every start. Done at the
   * next start rather than at once, so a caller can still look at a process it just stopped.
   */
  trimAccounted(): void {
    for (const id of this.#accounted) {
      const child = this.processes.get(id);
      if (child && child.exitCode === null && child.signalCode === null) continue; // not gone yet
      this.processes.delete(id);
      this.launchers.delete(id);
      this.#accounted.delete(id);
    }
  }
}
