/**
 * The columns of a typed export (CSV, Parquet), found by a first pass over the records: every
 * property that occurs, in a fixed order (key, state, worker_id, the task's own columns in the
 * order first seen, then timestamps, tries and condition), each with one type. A column whose
 * values differ in type across tasks is text holding JSON.
 */
import { type ExportRecord, LEADING, TRAILING } from './export-records.js';

/** What a column holds. `json`: values of mixed or nested types, written as JSON text. */
export type ColumnType = 'int' | 'double' | 'bool' | 'string' | 'date' | 'timestamp' | 'json';

export interface Column {
  name: string;
  type: ColumnType;
}

type Kind = Exclude<ColumnType, 'timestamp'>;

/** The kind of one value; `undefined` for a missing one (null, undefined). */
export function kindOf(value: unknown): Kind | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? 'int' : 'double';
    case 'boolean':
      return 'bool';
    case 'string':
    case 'bigint': // written as its digits: no loss, whatever its size
      return 'string';
  }
  if (value instanceof Date) return 'date';
  return 'json';
}

/** Times in milliseconds since the epoch: timestamps when every value is a whole number. */
const TIME_COLUMNS: ReadonlySet<string> = new Set(['created_at', 'started_at', 'finished_at']);

/** Collects the columns of records, one batch after another. */
export class ColumnCollector {
  readonly #kinds = new Map<string, Set<Kind>>();

  constructor() {
    for (const name of LEADING) this.#kinds.set(name, new Set());
  }

  add(records: readonly ExportRecord[]): void {
    for (const record of records) {
      for (const name in record) {
        let kinds = this.#kinds.get(name);
        if (!kinds) {
          kinds = new Set();
          this.#kinds.set(name, kinds);
        }
        const kind = kindOf(record[name]);
        if (kind) kinds.add(kind);
      }
    }
  }

  columns(): Column[] {
    const trailing: ReadonlySet<string> = new Set(TRAILING);
    const names = [...this.#kinds.keys()];
    const ordered = [
      ...names.filter((n) => !trailing.has(n)),
      ...TRAILING.filter((n) => this.#kinds.has(n)),
    ];
    return ordered.map((name) => ({ name, type: columnType(name, this.#kinds.get(name)!) }));
  }
}

function columnType(name: string, kinds: ReadonlySet<Kind>): ColumnType {
  if (kinds.size === 0) return 'string'; // no value at all: an empty text column
  if (kinds.size === 2 && kinds.has('int') && kinds.has('double')) return 'double';
  if (kinds.size > 1) return 'json';
  const [kind] = kinds as Set<Kind>;
  if (kind === 'int' && TIME_COLUMNS.has(name)) return 'timestamp';
  return kind!;
}
