/**
 * NetworkMonitor: what the dashboard knows about one network. It polls through one long-lived
 * `Rush`, so finished tasks come from its cache (each poll reads only the new ones), and keeps
 * aggregates: counts over time, per-worker totals, downsampled result series, the failed tasks
 * and a log tail. Reads of the failed set and the logs cost more with their size, so they are
 * spaced out in proportion to how long they take. Nothing here writes to Redis.
 */
import { RushError } from '../errors.js';
import type { NetworkCounts, Rush, TaskRow, WorkerInfo } from '../index.js';
import { type SharedConnections, SharedRush } from './connections.js';
import { CountsTimeline } from './counts-timeline.js';
import { FAILED_FIELDS, FailedList } from './failed-list.js';
import type { History } from './history.js';
import { LogTail } from './log-tail.js';
import { isHangUp, nameFailure } from './redis-failure.js';
import { nextVersion, ResultSeries } from './series.js';
import { Pause, Spacing } from './spacing.js';
import { TaskTimeline } from './task-times.js';
import { updateWorkerRows, type WorkerRow } from './worker-rows.js';

export type { WorkerRow };

export type StatusState = 'connecting' | 'ok' | 'empty' | 'unreachable' | 'error';
export interface Status {
  state: StatusState;
  message: string;
  /** When this state began (ms since the epoch). */
  since: number;
}

export interface MonitorOptions {
  networkId: string;
  /** The dashboard's Redis connections (the monitor opens none of its own). */
  connections: SharedConnections;
  /** Milliseconds between polls. @default 1000 */
  intervalMs?: number;
  /** Keep polling without subscribers (the network the dashboard was started for). */
  pinned?: boolean;
  /** The result column pages show unless they ask for another (its series is kept ready). */
  ys?: string;
  /** Read the workers' logs (the page shows them). @default true */
  readLogs?: boolean;
}

/** A poll slower than this makes the monitor check whether Redis still answers… */
const STALL_MS = 3000;
/** …within this time. */
const PROBE_MS = 2000;
/** Finished tasks to read before the first full update that make the monitor send a first look. */
const EARLY_BACKLOG = 10_000;
/** Result series kept at once (one per column a page asked for). */
const MAX_SERIES = 8;

export class NetworkMonitor {
  readonly networkId: string;
  readonly intervalMs: number;
  readonly pinned: boolean;
  /** Changes when the network was reset: clients then take everything again. */
  generation = nextVersion();
  /** Counts up with every change a client may need (rows of workers carry it). */
  rev = 0;
  status: Status = { state: 'connecting', message: 'Reading the network…', since: Date.now() };
  statusRev = 0;
  counts: NetworkCounts | undefined;
  timeline = new CountsTimeline();
  readonly workers = new Map<string, WorkerRow>();
  /** Revision when the set or order of workers last changed. */
  workerIdsRev = 0;
  /** Numeric columns of the tasks' results (`ys`), found on the first finished task. */
  columns: string[] = [];
  columnsRev = 0;
  failed = new FailedList();
  log = new LogTail();
  /** Durations, retries and the history, from the tasks' timestamps and tries. */
  times = new TaskTimeline();
  /** Input names of the tasks (`xs`), found on the first finished task. */
  params: string[] = [];
  /** The tasks' optimizer (`xs_extra.optimizer`), when they carry one. */
  optimizer: string | undefined;
  lastUsed = Date.now();

  /** The Redis server, password hidden. */
  readonly where: string;
  readonly #rush: Rush;
  readonly #connections: SharedConnections;
  #connected: Promise<Rush> | undefined;
  #rows: readonly TaskRow[] = [];
  #perWorker = new Map<string, number>();
  #series = new Map<string, ResultSeries>();
  #columnsFound = false;
  readonly #ys: string | undefined;
  #primed = false;
  #failedSpacing = new Spacing(1000, 30_000);
  #logSpacing = new Spacing(1000, 30_000);
  #failedSeen = -1;
  #listeners = new Set<() => void>();
  /** Polls begun, and the number of the last one that ended (for {@link fresh}). */
  #pollsStarted = 0;
  #pollsDone = 0;
  readonly #readLogs: boolean;
  #running = false;
  #closed = false;
  readonly #pause = new Pause();

  constructor(options: MonitorOptions) {
    // The constructor checks the id (RushInputError for a malformed one).
    this.#rush = new SharedRush(options.networkId, options.connections);
    this.#connections = options.connections;
    this.networkId = this.#rush.networkId;
    this.where = options.connections.where;
    this.#readLogs = options.readLogs ?? true;
    this.intervalMs = options.intervalMs ?? 1000;
    this.pinned = options.pinned ?? false;
    this.#ys = options.ys;
    if (this.pinned) this.#start();
  }

  /** Calls `listener` after every poll (and status change) until the returned function runs. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.lastUsed = Date.now();
    this.#start();
    return () => {
      this.#listeners.delete(listener);
      this.lastUsed = Date.now();
    };
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  /**
   * Resolves after a poll that began after this call ended (its data is current), or rejects
   * when the monitor closes first. The pause between polls is cut short for it.
   */
  fresh(): Promise<this> {
    const dropped = () => new RushError('this network is no longer watched: try again');
    if (this.#closed) return Promise.reject(dropped());
    const after = this.#pollsStarted;
    return new Promise((resolve, reject) => {
      const unsubscribe = this.subscribe(() => {
        if (this.#closed) reject(dropped());
        else if (this.#pollsDone <= after) return;
        else resolve(this);
        unsubscribe();
      });
      this.#pause.wake();
    });
  }

  /** The monitor's reader of the network (on the dashboard's shared connection). */
  reader(): Promise<Rush> {
    this.lastUsed = Date.now();
    return this.#connect();
  }

  /** The finished tasks read so far, in finish order. */
  get finishedRows(): readonly TaskRow[] {
    return this.#rows;
  }

  /** Whether the task is among the finished ones read so far. */
  isFinished(key: string): boolean {
    return this.#rows.some((row) => row.key === key);
  }

  /** The network's past from its tasks' timestamps, up to the first live sample. */
  history(): History {
    return this.times.history(this.timeline.t[0] ?? Date.now());
  }

  /** The result series of a column, built from the cached rows the first time it is asked for. */
  series(column: string): ResultSeries {
    let series = this.#series.get(column);
    if (!series) {
      if (this.#series.size >= MAX_SERIES)
        this.#series.delete(this.#series.keys().next().value as string);
      series = new ResultSeries(column);
      for (const row of this.#rows) series.add(row);
      this.#series.set(column, series);
    }
    return series;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#notify(); // waiters learn that it closed
    this.#pause.wake();
    await this.#rush.close();
  }

  #connect(): Promise<Rush> {
    this.#connected ??= this.#rush.connect().catch((error: unknown) => {
      this.#connected = undefined;
      throw error;
    });
    return this.#connected;
  }

  #start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    void this.#loop();
  }

  async #loop(): Promise<void> {
    while (!this.#closed && (this.pinned || this.#listeners.size > 0)) {
      const stalled = setTimeout(() => void this.#probe(), STALL_MS);
      const seq = ++this.#pollsStarted;
      try {
        await this.#poll();
      } catch (error) {
        if (this.#closed) break;
        const message = nameFailure(error);
        const unreachable =
          isHangUp(error) || /cannot reach|connection|ECONN|timed? ?out|no answer/i.test(message);
        this.#setStatus(unreachable ? 'unreachable' : 'error', `${message} (retrying)`);
      } finally {
        clearTimeout(stalled);
        this.#pollsDone = seq;
      }
      this.#notify();
      await this.#pause.for(this.intervalMs);
    }
    this.#running = false;
  }

  /**
   * A poll is slow: Redis is down, or the network is large (the first read of 100,000s of
   * tasks takes seconds). The dashboard's quick connection tells which.
   */
  async #probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.#connections.get('quick').then((client) => client.ping()),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${PROBE_MS / 1000} s`)),
            PROBE_MS,
          );
        }),
      ]);
      if (this.status.state === 'connecting')
        this.#setStatus(
          'connecting',
          'Reading the network from Redis (a large one takes a while)…',
        );
    } catch (error) {
      // The cause, as the server or the system gave it: refused, max clients, no answer…
      if (this.#closed) return;
      const cause = nameFailure(error);
      this.#setStatus(
        'unreachable',
        cause.startsWith('no answer')
          ? `Redis at ${this.where} is not answering (${cause}); retrying…`
          : `Cannot reach Redis at ${this.where}: ${cause.replace(/^cannot reach Redis at \S+: /, '')}; retrying…`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  #setStatus(state: StatusState, message: string): void {
    if (this.status.state === state && this.status.message === message) return;
    this.status = { state, message, since: Date.now() };
    this.statusRev = ++this.rev;
    this.#notify();
  }

  async #poll(): Promise<void> {
    const rush = await this.#connect();
    const [counts, info] = await Promise.all([rush.counts(), rush.workerInfo()]);
    // Fewer finished tasks than read before: the network was reset. Read it again.
    if (counts.finished < this.#rows.length) this.#restart(true);
    if (!this.#primed && counts.finished - this.#rows.length > EARLY_BACKLOG) {
      // A long first read: show the counts and workers while it runs.
      this.counts = counts;
      this.#updateWorkers(info, new Map());
      this.#setStatus('connecting', `Reading ${counts.finished} finished tasks…`);
    }
    const rows = await rush.fetchFinishedTasks();
    const now = Date.now();
    if (rows.length < this.#rows.length) this.#restart(false); // the cache saw the reset itself
    const fresh = rows.slice(this.#rows.length);
    if (fresh.length > 0 && !this.#columnsFound) await this.#findColumns(rush, fresh[0]!);
    // Series made until here hold the old rows only: each takes the fresh ones once.
    for (const row of fresh) {
      const worker = row.worker_id ?? '';
      if (worker) this.#perWorker.set(worker, (this.#perWorker.get(worker) ?? 0) + 1);
      for (const series of this.#series.values()) series.add(row);
    }
    this.times.addFinished(fresh);
    this.#rows = rows;
    const seen = new Map<string, number>();
    if (this.#primed) for (const row of fresh) if (row.worker_id) seen.set(row.worker_id, now);

    if (counts.failed !== this.#failedSeen && this.#failedSpacing.due(now)) {
      const failed = await rush.fetchFailedTasks({ fields: FAILED_FIELDS });
      this.#failedSeen = counts.failed;
      this.times.setFailed(failed);
      if (this.failed.update(failed)) this.rev++;
      this.#failedSpacing.took(now, Date.now());
    }
    if (this.#readLogs && this.#logSpacing.due(now)) {
      const records = await rush.readLog();
      for (const r of records) {
        const t = r.timestamp.getTime();
        if (t > (seen.get(r.worker_id) ?? 0)) seen.set(r.worker_id, t);
      }
      if (this.log.absorb(records) > 0) this.rev++;
      this.#logSpacing.took(now, Date.now());
    }

    this.#updateWorkers(info, seen);
    this.counts = counts;
    this.timeline.sample(now, counts);
    this.rev++;
    this.#primed = true;
    const empty =
      info.length === 0 &&
      rows.length === 0 &&
      counts.queued + counts.running + counts.failed === 0;
    if (empty)
      this.#setStatus(
        'empty',
        `Network "${this.networkId}" has no data on ${this.where}: it was reset or removed, or has not started yet. This page updates when it appears.`,
      );
    else this.#setStatus('ok', '');
  }

  /** The network was reset elsewhere: forget everything and read it again. */
  #restart(resetCache: boolean): void {
    if (resetCache) this.#rush.resetCache();
    this.#rows = [];
    this.#perWorker.clear();
    this.#series.clear();
    this.#columnsFound = false;
    this.columns = [];
    this.columnsRev = ++this.rev;
    this.failed = new FailedList();
    this.#failedSeen = -1;
    this.log = new LogTail();
    this.times = new TaskTimeline();
    this.params = [];
    this.optimizer = undefined;
    this.timeline = new CountsTimeline();
    this.workers.clear();
    this.generation = nextVersion();
  }

  /** The numeric properties of a result: read once from a task's `ys` (rows merge xs and ys). */
  async #findColumns(rush: Rush, row: TaskRow): Promise<void> {
    const record = await rush.readHash(row.key, ['xs', 'ys', 'xs_extra']);
    const { xs, ys, xs_extra: extra } = (record ?? {}) as Record<string, unknown>;
    const source = ys && typeof ys === 'object' ? (ys as Record<string, unknown>) : row;
    this.columns = Object.keys(source).filter((k) => k !== 'key' && typeof source[k] === 'number');
    this.params = xs && typeof xs === 'object' ? Object.keys(xs) : [];
    const optimizer = (extra as { optimizer?: unknown } | undefined)?.optimizer;
    if (optimizer !== undefined)
      this.optimizer = typeof optimizer === 'string' ? optimizer : JSON.stringify(optimizer);
    this.#columnsFound = true;
    this.columnsRev = ++this.rev;
    // Build the default series as tasks arrive, so that no page waits for it.
    const column = this.#ys ?? this.columns[0];
    if (column) this.series(column);
  }

  #updateWorkers(info: WorkerInfo[], seen: ReadonlyMap<string, number>): void {
    const totals = {
      finished: (id: string) => this.#perWorker.get(id) ?? 0,
      failed: (id: string) => this.failed.perWorker.get(id) ?? 0,
    };
    if (updateWorkerRows(this.workers, info, totals, seen, () => ++this.rev))
      this.workerIdsRev = this.rev;
  }
}
