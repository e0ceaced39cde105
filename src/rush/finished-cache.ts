/**
 * The manager's cache of finished tasks. The finished list in Redis only grows, so the cache
 * remembers how much of it was read and each read asks only for what is new.
 *
 * The cache keeps one *view* per set of requested fields: the rows built for those fields,
 * the finished-list position of each row, and how much of the list the view has read. Only
 * rows are kept (not the decoded values they were built from), so a cold read leaves little
 * behind for the garbage collector and 100,000s of cached tasks stay small. The columnar form
 * has a view of its own, which keeps columns and reads the records without making rows.
 */
import { ColumnBuilder } from '../tasks/columns.js';
import { TASK_FIELDS } from '../tasks/fields.js';
import { buildRow, freezeRow, type TaskRecord } from '../tasks/rows.js';
import type { TaskColumns, TaskRow } from '../types.js';

/** The fields of the finished-records log, in the order of its records (after the key). */
export const RECORD_FIELDS: readonly string[] = TASK_FIELDS;

/** Whether `fields` are exactly the fields the records log holds (in any order). */
export function isRecordFields(fields: readonly string[]): boolean {
  const distinct = new Set(fields);
  return distinct.size === RECORD_FIELDS.length && RECORD_FIELDS.every((f) => distinct.has(f));
}

/** Views kept at once; the least recently created goes first. */
const MAX_VIEWS = 4;

export class FinishedView {
  /** The view's fields, in a canonical order (so field lists in any order share a view). */
  readonly fields: readonly string[];
  readonly rows: TaskRow<object, object>[] = [];
  /** The finished-list position of each row. */
  readonly positions: number[] = [];
  /** How many entries of the finished list were read (vanished tasks included). */
  consumed = 0;
  /** The list's first key when the view started reading it: another one means a new list. */
  head: string | null = null;
  /**
   * Read from the finished-records log, else from the task hashes. The log holds whole rows
   * (all of RECORD_FIELDS), so it serves the view of exactly those fields: the fetch defaults.
   */
  fromRecords: boolean;

  constructor(fields: readonly string[]) {
    this.fields = fields;
    this.fromRecords = isRecordFields(fields);
  }

  /**
   * Adds tasks read from the finished list: each a row already, or a record `[key, ...values]`
   * whose fields `indices` locates. `positions[i]` is the list position of item i.
   */
  append(
    items: readonly (TaskRecord | TaskRow<object, object>)[],
    indices: readonly number[],
    positions: readonly number[],
    consumed: number,
  ): void {
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      // Frozen: the rows are shared with every caller of the fetch methods.
      this.rows.push(freezeRow(Array.isArray(item) ? buildRow(item, this.fields, indices) : item));
      this.positions.push(positions[i]!);
    }
    this.consumed = consumed;
  }

  /** Rows at finished-list positions `>= position`, in finish order (a new array). */
  rowsFrom<XS extends object, YS extends object>(position: number): TaskRow<XS, YS>[] {
    let lo = 0;
    let hi = this.positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.positions[mid]! < position) lo = mid + 1;
      else hi = mid;
    }
    return this.rows.slice(lo) as TaskRow<XS, YS>[];
  }

  /** Forgets everything read (the network was reset elsewhere). */
  clear(): void {
    this.rows.length = 0;
    this.positions.length = 0;
    this.consumed = 0;
    this.head = null;
  }
}

/**
 * The view of `fetchFinishedTasks({ columns: true })` with the default fields: columns, filled
 * straight from the records of the log (or from rows when the log cannot be used).
 */
export class FinishedColumnsView {
  readonly fields: readonly string[] = RECORD_FIELDS;
  readonly #columns = new ColumnBuilder();
  consumed = 0;
  /** As FinishedView.head. */
  head: string | null = null;
  fromRecords = true;

  /** Adds tasks read from the hashes (the log is unusable), as FinishedView.append does. */
  append(
    items: readonly (TaskRecord | TaskRow<object, object>)[],
    indices: readonly number[],
    _positions: readonly number[],
    consumed: number,
  ): void {
    for (const item of items) {
      const row = Array.isArray(item) ? buildRow(item, this.fields, indices) : item;
      this.#columns.addRow(row as Record<string, unknown>);
    }
    this.consumed = consumed;
  }

  /**
   * Adds records of the log, dropping tasks whose hash vanished (their keys go to `missing`)
   * or that hold a large object that cannot be read, and records that cannot be decoded (passed
   * to `corrupt` with their index and why).
   */
  appendRecords(
    records: readonly Buffer[],
    vanished: ReadonlySet<string>,
    missing: string[],
    consumed: number,
    corrupt: (index: number, problem: string) => void,
  ): void {
    const gone = vanished.size > 0 ? vanished : undefined;
    this.#columns.reserve(records.length);
    for (let i = 0; i < records.length; i++) {
      const problem = this.#columns.addRecord(records[i]!, gone, missing);
      if (problem !== undefined) corrupt(i, problem);
    }
    this.consumed = consumed;
  }

  /** Makes room for `n` more tasks (a large read fills its columns without regrowing them). */
  reserve(n: number): void {
    this.#columns.reserve(n);
  }

  /** Copies of the columns. */
  columns(): TaskColumns {
    return this.#columns.columns();
  }

  clear(): void {
    this.#columns.clear();
    this.consumed = 0;
    this.head = null;
  }
}

export class FinishedCache {
  readonly #views = new Map<string, FinishedView>();
  #columns: FinishedColumnsView | undefined;
  /** Finished-list position up to which `fetchNewTasks` has returned tasks. */
  delivered = 0;
  /** The head (see FinishedView.head) of the list `delivered` counts in. */
  deliveredHead: string | null = null;

  /** The view for these fields (made empty when new). */
  view(fields: readonly string[]): FinishedView {
    const canonical = [...new Set(fields)].sort(byRecordOrder);
    const id = canonical.join('\u0000');
    let view = this.#views.get(id);
    if (!view) {
      if (this.#views.size >= MAX_VIEWS) this.#views.delete(this.#views.keys().next().value!);
      view = new FinishedView(canonical);
      this.#views.set(id, view);
    }
    return view;
  }

  /** The columns view (default fields). */
  columns(): FinishedColumnsView {
    this.#columns ??= new FinishedColumnsView();
    return this.#columns;
  }

  /** Forgets every view and what fetchNewTasks returned. */
  reset(): void {
    this.#views.clear();
    this.#columns = undefined;
    this.delivered = 0;
    this.deliveredHead = null;
  }
}

/** The record fields first, in record order; other fields after them, by name. */
function byRecordOrder(a: string, b: string): number {
  const ia = RECORD_FIELDS.indexOf(a);
  const ib = RECORD_FIELDS.indexOf(b);
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0) return -1;
  if (ib >= 0) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
