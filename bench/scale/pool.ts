/**
 * A pool of benchmark workers: `n` workers of one network, started either as one process each
 * (`rush.startLocalWorkers`) or `perProcess` to a process (GroupLauncher and
 * `rushnet worker --count`). It knows their pids (for memory readings and for killing them) and
 * how long they took to register. The loops it runs are here too.
 */
import type { Rush, RushWorker, WorkerLoop } from '../../dist/index.js';
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
   * batch after the previous one registered. Hundreds of Node processes starting at once on
   * two busy cores can take longer than the 5 s a worker waits for its Redis connection: a
   * worker process that exits before registering is replaced (and counted), up to 3 rounds.
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

  /** Worker processes that exited before their workers registered, and were replaced. */
  startFailures = 0;

  async #add(n: number, batch: number): Promise<void> {
    const o = this.options;
    const perBatch = Number.isFinite(batch) ? batch * (o.mode === 'grouped' ? o.perProcess : 1) : n;
    const deadline = Date.now() + o.timeout * 1000;
    for (let done = 0; done < n; done += perBatch) {
      let want = Math.min(perBatch, n - done);
      for (let round = 0; want > 0; round++) {
        if (round > 3)
          throw new Error(`workers keep exiting before they register (see ${o.messageLog})`);
        const { ids, gone } = await this.#launch(want);
        const failed = await this.#registered(ids, gone, deadline);
        // Workers of a dead process that had registered are marked terminated.
        if (failed.length > 0) await this.rush.stopWorkers({ type: 'kill', workerIds: failed });
        this.workerIds.push(...ids.filter((id) => !failed.includes(id)));
        this.startFailures += failed.length;
        want = failed.length;
      }
    }
  }

  /** Starts `n` workers; `gone(id)` tells whether a worker's process has exited. */
  async #launch(n: number): Promise<{ ids: string[]; gone: (id: string) => Promise<boolean> }> {
    const o = this.options;
    const common = { heartbeatPeriod: o.heartbeatPeriod, messageLog: o.messageLog };
    if (o.mode === 'processes') {
      const ids = await this.rush.startLocalWorkers(o.loop, { ...common, nWorkers: n });
      const gone = async (id: string) => {
        const child = this.rush.processes.get(id);
        return child !== undefined && (child.exitCode !== null || child.signalCode !== null);
      };
      return { ids, gone };
    }
    const launcher = new GroupLauncher(o.perProcess);
    this.#launchers.push(launcher);
    const ids = await this.rush.startWorkers(o.loop, { ...common, launcher, nWorkers: n });
    return { ids, gone: async (id) => (await launcher.isAlive(id)) === false };
  }

  /**
   * Waits until every one of `ids` is registered or its process has exited; returns the ids
   * whose process exited. Fails at the deadline.
   */
  async #registered(
    ids: string[],
    gone: (id: string) => Promise<boolean>,
    deadline: number,
  ): Promise<string[]> {
    for (;;) {
      const registered = new Set(await this.rush.workerIds());
      const exited: string[] = [];
      let waiting = 0;
      for (const id of ids) {
        if (await gone(id)) exited.push(id);
        else if (!registered.has(id)) waiting++;
      }
      if (waiting === 0) return exited;
      if (Date.now() > deadline) {
        throw new Error(`workers not registered after ${this.options.timeout} s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
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
