/**
 * What a monitor derives from its tasks' timestamps and tries: durations (for /metrics and the
 * durations panel), retries, the history of counts, and the failed tasks' rows (for the
 * timeline's lanes). Finished tasks are added as they are read (each once); the failed tasks are
 * taken whole at each read of the failed set. Tasks without timestamps are counted, not shown.
 */
import type { TaskRow } from '../index.js';
import { Durations } from './durations.js';
import { buildHistory, type History, type TaskTimes, timesOf } from './history.js';

/** Runs of a task beyond its first, from its `tries` field (0 when it has none). */
function retriesOf(row: Record<string, unknown>): number {
  return typeof row.tries === 'number' && row.tries > 1 ? row.tries - 1 : 0;
}

export class TaskTimeline {
  /** Durations of the finished tasks that carry timestamps. */
  readonly durations = new Durations();
  /** Runs beyond the first (`tries` − 1) of the finished and of the failed tasks. */
  readonly retries = { finished: 0, failed: 0 };
  /** The failed tasks as last read. */
  failedRows: readonly TaskRow[] = [];
  #finished: TaskTimes[] = [];
  #failed: TaskTimes[] = [];
  #untimed = { finished: 0, failed: 0 };
  /** The last history built, and what it was built from (pages opened meanwhile reuse it). */
  #cached: { key: string; history: History } | undefined;

  /** Takes finished tasks read for the first time. */
  addFinished(rows: readonly TaskRow[]): void {
    for (const row of rows) {
      const times = timesOf(row, false);
      if (times) this.#finished.push(times);
      else this.#untimed.finished++;
      this.durations.add(row);
      this.retries.finished += retriesOf(row);
    }
  }

  /** Takes the failed tasks as read now (all of them). */
  setFailed(rows: readonly TaskRow[]): void {
    this.failedRows = rows;
    this.retries.failed = rows.reduce((n, row) => n + retriesOf(row), 0);
    this.#failed = rows.flatMap((row) => timesOf(row, true) ?? []);
    this.#cached = undefined;
    this.#untimed.failed = rows.length - this.#failed.length;
  }

  /** Runs beyond the first over all done tasks. */
  get totalRetries(): number {
    return this.retries.finished + this.retries.failed;
  }

  /** The counts over time up to `until` (ms), from the done tasks' timestamps. */
  history(until: number): History {
    const untimed = this.#untimed.finished + this.#untimed.failed;
    const key = `${this.#finished.length} ${this.#failed.length} ${untimed} ${until}`;
    if (this.#cached?.key !== key)
      this.#cached = {
        key,
        history: buildHistory([...this.#finished, ...this.#failed], until, untimed),
      };
    return this.#cached.history;
  }
}
