/**
 * The failed tasks a dashboard shows: newest first in the order the dashboard found them (the
 * failed set has no order of its own), at most FAILED_SHOWN, plus per-worker totals.
 */
import type { TaskRow } from '../index.js';
import { nextVersion } from './series.js';

export const FAILED_SHOWN = 200;
/** What is read of a failed task (timestamps and tries, when it has them, for the timeline). */
export const FAILED_FIELDS = [
  'xs',
  'worker_id',
  'condition',
  'created_at',
  'started_at',
  'finished_at',
  'tries',
];
const MAX_TEXT = 300;

export interface FailedEntry {
  seq: number;
  key: string;
  worker_id: string;
  message: string;
  /** The condition's other properties, as short JSON ('' when none). */
  details: string;
  /** The task's input, as short JSON. */
  xs: string;
}

/** JSON for people: numbers to six significant digits, cut at MAX_TEXT characters. */
export function shortJson(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v) =>
      typeof v === 'bigint'
        ? `${v}n`
        : typeof v === 'number' && Number.isFinite(v)
          ? Number(v.toPrecision(6))
          : v,
    );
    return text === undefined || text === '{}' ? '' : text.slice(0, MAX_TEXT);
  } catch {
    return '';
  }
}

export class FailedList {
  /** Newest first. */
  readonly entries: FailedEntry[] = [];
  readonly perWorker = new Map<string, number>();
  /** Changes when the list starts over: clients then take it whole. */
  version = nextVersion();
  #known = new Set<string>();
  #seq = 0;

  get seq(): number {
    return this.#seq;
  }
  get total(): number {
    return this.#known.size;
  }

  /**
   * Takes the failed tasks as read now. Returns whether anything changed. Tasks that left the
   * set (a reset elsewhere) make the list start over.
   */
  update(rows: readonly TaskRow[]): boolean {
    if (rows.length < this.#known.size) this.#clear();
    let changed = false;
    for (const row of rows) {
      if (this.#known.has(row.key)) continue;
      this.#known.add(row.key);
      changed = true;
      const worker = row.worker_id ?? '';
      if (worker) this.perWorker.set(worker, (this.perWorker.get(worker) ?? 0) + 1);
      // The stack and the earlier tries are in the task's record (the task browser), not here.
      const {
        message,
        stack: _stack,
        history: _history,
        ...details
      } = (row.condition ?? { message: '' }) as Record<string, unknown>;
      // The input: the row without the task's own fields (timestamps and tries included).
      const {
        key: _key,
        worker_id: _w,
        condition: _c,
        created_at: _t0,
        started_at: _t1,
        finished_at: _t2,
        tries: _n,
        ...xs
      } = row as Record<string, unknown>;
      this.entries.unshift({
        seq: ++this.#seq,
        key: row.key,
        worker_id: worker,
        message: String(message ?? '').slice(0, MAX_TEXT),
        details: shortJson(details),
        xs: shortJson(xs),
      });
    }
    if (this.entries.length > FAILED_SHOWN) this.entries.length = FAILED_SHOWN;
    return changed;
  }

  /** Entries numbered after `after`, newest first. */
  since(after: number): FailedEntry[] {
    const i = this.entries.findIndex((e) => e.seq <= after);
    return i < 0 ? this.entries.slice() : this.entries.slice(0, i);
  }

  #clear(): void {
    this.entries.length = 0;
    this.perWorker.clear();
    this.#known = new Set();
    this.version = nextVersion();
  }
}
