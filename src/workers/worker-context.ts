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

export interface WorkerContext extends RushContext {
  readonly config: Readonly<ResolvedRedisConfig>;
  /** The plan in force (defaults for worker starts). */
  plan(): RushPlan;
}

/** The workers this manager started: their local processes, and each one's launcher. */
export class WorkerProcesses {
  /** Local worker processes, by worker id. */
  readonly processes = new Map<string, ChildProcess>();
  readonly local = new LocalLauncher(this.processes);
  /** The launcher of every worker started here, by worker id. */
  readonly launchers = new Map<string, WorkerLauncher>();
}
