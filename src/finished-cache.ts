/**
 * The manager's cache of finished tasks. The finished list in Redis only grows, so the cache
 * remembers how much of it was read and each read asks only for what is new. Rows are built
 * once per field selection and then only appended to, so a cached fetch costs what the new
 * tasks cost (plus one copy of the row array).
 */
import { buildRow, type DecodedTask } from './task-rows.js';
import type { TaskRow } from './types.js';

/** The fields the cache reads by default: the union of the fetch defaults. */
export const CACHE_FIELDS = ['xs', 'ys', 'xs_extra', 'ys_extra', 'condition', 'worker_id'];

const MAX_ROW_VIEWS = 4;

interface RowView {
  fields: readonly string[];
  indices: number[];
  rows: TaskRow<object, object>[];
}

export class FinishedCache {
  /** Fields held for every cached task. */
  fields: string[] = [...CACHE_FIELDS];
  /** Cached tasks in finish order. */
  readonly tasks: DecodedTask[] = [];
  /** How many entries of the finished list were read (tasks with vanished data included). */
  consumed = 0;
  /** How many cached tasks `fetchNewTasks` has returned. */
  delivered = 0;
  #views = new Map<string, RowView>();

  /** Whether every field in `fields` is held. */
  covers(fields: readonly string[]): boolean {
    return fields.every((f) => this.fields.includes(f));
  }

  /** Holds more fields from now on: the cache is emptied and read again in full. */
  widen(fields: readonly string[]): void {
    const union = [...this.fields, ...fields.filter((f) => !this.fields.includes(f))];
    const delivered = this.delivered;
    this.reset();
    this.fields = union;
    // fetchNewTasks must not return again what it already returned.
    this.delivered = delivered;
  }

  append(tasks: readonly DecodedTask[], consumed: number): void {
    for (const task of tasks) this.tasks.push(task);
    this.consumed = consumed;
  }

  /** Rows of cached tasks `[from, to)` with the given fields. */
  rows<XS extends object, YS extends object>(
    fields: readonly string[],
    from = 0,
    to = this.tasks.length,
  ): TaskRow<XS, YS>[] {
    const view = this.#view(fields);
    const rows = view.rows;
    for (let i = rows.length; i < this.tasks.length; i++) {
      const task = this.tasks[i]!;
      rows.push(buildRow(task.key, view.fields, task.values, view.indices));
    }
    return rows.slice(from, to) as TaskRow<XS, YS>[];
  }

  #view(fields: readonly string[]): RowView {
    const id = fields.join('\u0000');
    let view = this.#views.get(id);
    if (!view) {
      if (this.#views.size >= MAX_ROW_VIEWS) this.#views.delete(this.#views.keys().next().value!);
      view = { fields: [...fields], indices: fields.map((f) => this.fields.indexOf(f)), rows: [] };
      this.#views.set(id, view);
    }
    return view;
  }

  reset(): void {
    this.fields = [...CACHE_FIELDS];
    this.tasks.length = 0;
    this.consumed = 0;
    this.delivered = 0;
    this.#views.clear();
  }
}
