/**
 * The manager's side of workers, in one object for `Rush` to delegate to: starting them
 * (start.ts), stopping them and finding lost ones (stop.ts), and reading their logs
 * (logging/log-reader.ts). It depends only on the narrow `ManagerContext`.
 */
import type { ChildProcess } from 'node:child_process';
import { LogReader, type ReadLogOptions } from '../logging/log-reader.js';
import type { LogRecord } from '../logging/redis-log.js';
import type { WorkerLoop } from '../worker-config/loop.js';
import type {
  StartWorkersOptions,
  StopWorkersOptions,
  WaitForWorkersOptions,
  WorkerScriptOptions,
} from '../worker-config/settings.js';
import { type ManagerContext, WorkerProcesses } from './manager-context.js';
import { startWorkers, waitForWorkers, workerScript } from './start.js';
import { detectLostWorkers, stopWorkers } from './stop.js';

export class WorkerManager {
  readonly #started = new WorkerProcesses();
  readonly #logs: LogReader;

  constructor(private readonly ctx: ManagerContext) {
    this.#logs = new LogReader(ctx.keys, () => ctx.client());
  }

  /** Local worker processes started by this manager, by worker id. */
  get processes(): ReadonlyMap<string, ChildProcess> {
    return this.#started.processes;
  }

  start(
    loop: WorkerLoop,
    options: StartWorkersOptions | undefined,
    launcherAllowed: { launcherAllowed: boolean },
  ): Promise<string[]> {
    return startWorkers(this.ctx, this.#started, loop, options, launcherAllowed);
  }

  script(loop: WorkerLoop, options: WorkerScriptOptions | undefined): Promise<string> {
    return workerScript(this.ctx, loop, options);
  }

  waitFor(options: WaitForWorkersOptions | undefined): Promise<void> {
    return waitForWorkers(this.ctx, this.#started, options);
  }

  stop(
    options: StopWorkersOptions | undefined,
    warnings: { warnSkipped: boolean; awaitKills?: boolean } = { warnSkipped: true },
  ): Promise<string[]> {
    return stopWorkers(this.ctx, this.#started, options, warnings);
  }

  detectLost(): Promise<string[]> {
    return detectLostWorkers(this.ctx, this.#started);
  }

  readLog(options: ReadLogOptions | undefined): Promise<LogRecord[]> {
    return this.#logs.read(options);
  }

  printLog(): Promise<void> {
    return this.#logs.print();
  }

  /** Forgets log positions (after a reset). */
  resetLogPositions(): void {
    this.#logs.reset();
  }
}
