/**
 * A pool of benchmark workers: `n` workers of one network, started either as one process each
 * (`rush.startLocalWorkers`) or `perProcess` to a process (GroupLauncher and
 * `rushnet worker --count`). It knows their pids (for memory readings and for killing them) and
 * how long they took to register. The loops it runs are here too.
 */
import { type Rush, RushTimeoutError, type RushWorker, type WorkerLoop } from '../../dist/index.js';
import { GroupLauncher } from './launcher.js';
import { killOwnChildren, totalMemory } from './probes.js';

export type PoolMode = 'processes' | 'grouped';

/**
 * The queue loop of the benchmark: every task sleeps `xs.ms` (it costs no CPU) and reports when
 * it started and ended inside the handler (epoch ms, sub-millisecond), so the manager can
 * compute how much of the wall time workers spent inside tasks.
 */
export const sleepLoop = async (rush: RushWorker): Promise<void> => {
  await rush.processTasks(async (task) => {
    const t0 = performance.timeOrigin + performance.now();
    await new Promise((resolve) => setTimeout(resolve, task.xs.ms as number));
    return { ok: 1, t0, t1: performance.timeOrigin + performance.now() };
  });
};

/** A loop that only stays registered until it is terminated (for the registry measurement). */
export const idleLoop = async (rush: RushWorker): Promise<void> => {
  while (!rush.terminated) await new Promise((resolve) => setTimeout(resolve, 250));
};

export interface PoolOptions {
  mode: PoolMode;
  n: number;
  /** Workers per process in grouped mode. */
  perProcess: number;
  loop: WorkerLoop;
  heartbeatPeriod?: number;
  /** Directory for the workers' stderr (message_<id>.log). */
  messageLog?: string;
  /** Seconds to wait for registration. */
  timeout: number;
}

export class Pool {
  readonly workerIds: string[] = [];
  readonly #launchers: GroupLauncher[] = [];
  #startMs = 0;

  private constructor(
    readonly rush: Rush,
    readonly options: PoolOptions,
  ) {}

  /**
   * Starts the workers and resolves once all are registered: `batch` processes at a time, each
   * batch after the previous one registered (hundreds of Node processes starting at once on
   * two cores take longer than the 5 s a worker waits for its Redis connection). Fails as soon
   * as a worker process exits before registering.
   */
  static async start(rush: Rush, options: PoolOptions, { batch = Infinity } = {}): Promise<Pool> {
    const pool = new Pool(rush, options);
    const start = performance.now();
    try {
      await pool.#add(options.n, batch);
    } catch (error) {
      await pool.stop();
      throw error;
    }
    pool.#startMs = performance.now() - start;
    return pool;
  }

  async #add(n: number, batch: number): Promise<void> {
    const o = this.options;
    const common = { heartbeatPeriod: o.heartbeatPeriod, messageLog: o.messageLog };
    const perBatch = Number.isFinite(batch) ? batch * (o.mode === 'grouped' ? o.perProcess : 1) : n;
    const deadline = Date.now() + o.timeout * 1000;
    for (let done = 0; done < n; done += perBatch) {
      const nWorkers = Math.min(perBatch, n - done);
      let launcher: GroupLauncher | undefined;
      let ids: string[];
      if (o.mode === 'processes') {
        ids = await this.rush.startLocalWorkers(o.loop, { ...common, nWorkers });
      } else {
        launcher = new GroupLauncher(o.perProcess);
        this.#launchers.push(launcher);
        ids = await this.rush.startWorkers(o.loop, { ...common, launcher, nWorkers });
      }
      this.workerIds.push(...ids);
      await this.#registered(ids, launcher, deadline);
    }
  }

  /** Waits until `ids` are registered; fails when one exited first, or at the deadline. */
  async #registered(ids: string[], launcher: GroupLauncher | undefined, deadline: number) {
    for (;;) {
      try {
        await this.rush.waitForWorkers({ workerIds: ids, timeout: 1 });
        return;
      } catch (error) {
        if (!(error instanceof RushTimeoutError)) throw error;
      }
      let exited = 0;
      for (const id of ids) {
        const child = this.rush.processes.get(id);
        const gone = launcher
          ? (await launcher.isAlive(id)) === false
          : child !== undefined && (child.exitCode !== null || child.signalCode !== null);
        if (gone) exited++;
      }
      if (exited > 0) {
        throw new Error(
          `${exited} worker(s) exited before registering (see their message logs in ${this.options.messageLog})`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`workers not registered after ${this.options.timeout} s`);
    }
  }

  /** Milliseconds from the start until every worker had registered. */
  get startMs(): number {
    return this.#startMs;
  }

  /** Pids of the worker processes still running. */
  pids(): number[] {
    if (this.options.mode === 'grouped') return this.#launchers.flatMap((l) => l.pids());
    const pids: number[] = [];
    for (const id of this.workerIds) {
      const child = this.rush.processes.get(id);
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null)
        pids.push(child.pid);
    }
    return pids;
  }

  /** Memory per worker: the processes' RSS and PSS summed, divided by the workers. */
  memoryPerWorker(): { rssMB: number; pssMB: number; processes: number } {
    const total = totalMemory(this.pids());
    return {
      rssMB: total.rssMB / this.options.n,
      pssMB: total.pssMB / this.options.n,
      processes: total.n,
    };
  }

  /** Kills every worker process of the pool (by pid, only children of this process). */
  async stop(): Promise<void> {
    const pids = this.pids();
    await Promise.all(this.#launchers.map((l) => l.killAll()));
    killOwnChildren(pids);
  }
}
