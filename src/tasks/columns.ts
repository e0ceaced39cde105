/**
 * Finished tasks as columns (`fetchFinishedTasks({ columns: true })`): one array per row
 * property instead of one object per task, which is what R users get from `data.table`.
 *
 * The records of the finished-records log are walked byte by byte (see `mp_record` in
 * _msgpack.lua: a map of key, the entries of xs, ys and the extras, condition, worker_id, and
 * key again), so 100,000s of tasks make no row objects and no boxed numbers: a number goes
 * straight into its column's Float64Array. A record holding any value that is not a plain
 * number, string, boolean, null or undefined (objects, arrays, binary, extension types such as
 * large objects), or in the array form, is decoded whole by the codec, as the row path does.
 *
 * A column holds a Float64Array while every value it has seen is a number (NaN where a task has
 * no value), else an array (`undefined` where a task has no value). `key` is always a string
 * array.
 */
import { C1 } from 'msgpackr';
import type { TaskColumns } from '../types.js';
import { isPlainObject } from '../validate.js';
import { containsUnreadable, tryDecode } from './codec.js';
import { TASK_FIELDS } from './fields.js';
import {
  ABSENT,
  mapSize,
  NOT_PLAIN,
  read,
  readValue,
  sameBytes,
  skipString,
  startsWith,
  stringLength,
} from './msgpack-walk.js';
import { buildRow, freezeDeep, type TaskRecord } from './rows.js';

/** The bytes of the name `key` as a MessagePack string: every flat record starts with it. */
const KEY_NAME = [0xa3, 0x6b, 0x65, 0x79];

class Column {
  /** The values while all are numbers. */
  numbers: Float64Array | undefined;
  /** The values once one is not a number (shorter than the column where tasks had none). */
  values: unknown[] | undefined;
  /** The last string stored and its bytes: repeated strings (worker ids) are shared. */
  lastBytes: Uint8Array | undefined;
  lastString = '';

  constructor(capacity: number) {
    this.numbers = new Float64Array(capacity).fill(Number.NaN);
  }

  set(row: number, value: unknown): void {
    if (this.numbers !== undefined) {
      if (typeof value === 'number') {
        this.numbers[row] = value;
        return;
      }
      // The first value that is not a number: the column becomes a plain array.
      const values: unknown[] = [];
      for (let i = 0; i < row; i++) {
        const n = this.numbers[i]!;
        values.push(Number.isNaN(n) ? undefined : n);
      }
      this.numbers = undefined;
      this.values = values;
    }
    const values = this.values!;
    while (values.length < row) values.push(undefined);
    values[row] = value;
  }

  /** Forgets the value of `row` (a dropped task). */
  clear(row: number): void {
    if (this.numbers !== undefined) this.numbers[row] = Number.NaN;
    else if (this.values!.length > row) this.values!.length = row;
  }

  grow(capacity: number): void {
    if (this.numbers === undefined) return;
    const grown = new Float64Array(capacity).fill(Number.NaN, this.numbers.length);
    grown.set(this.numbers);
    this.numbers = grown;
  }

  /** A copy of the first `n` values: the caller may change it. */
  copy(n: number): Float64Array | unknown[] {
    if (this.numbers !== undefined) return this.numbers.slice(0, n);
    const out = this.values!.slice(0, n);
    while (out.length < n) out.push(undefined);
    return out;
  }
}

/** Collects tasks into columns, one record or row at a time. */
export class ColumnBuilder {
  /** Tasks added. */
  length = 0;
  readonly #keys: string[] = [];
  #capacity = 1024;
  readonly #columns = new Map<string, Column>();
  /** Columns written for the task being added, to undo them when it is dropped. */
  readonly #written: Column[] = [];
  /** Columns made for the record being walked: a record that turns out bad takes them away. */
  readonly #made: string[] = [];
  /** Per entry position, the last name met there and its column: records share a layout. */
  readonly #names: ({ bytes: Uint8Array; column: Column | undefined } | undefined)[] = [];

  /** Makes room for `n` more tasks at once (a large read: no doubling on the way). */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.#capacity) return;
    this.#capacity = needed;
    for (const column of this.#columns.values()) column.grow(needed);
  }

  /**
   * Adds a record of the finished-records log, unless its task is among `vanished` or a value
   * refers to a large object that cannot be read: then its key goes to `missing`. Returns why,
   * when the record cannot be decoded (its bytes come from Redis: anything may be there); the
   * task is then left out.
   */
  addRecord(
    record: Buffer,
    vanished: ReadonlySet<string> | undefined,
    missing: string[],
  ): string | undefined {
    const row = this.length;
    this.#made.length = 0;
    try {
      if (this.#walkRecord(record, vanished, missing)) return undefined;
    } catch {
      // Bytes that claim more than the record holds: decoded whole below, which says why.
    }
    this.#undo(row);
    return this.#addDecoded(record, vanished, missing);
  }

  /**
   * Adds a flat record straight from its bytes; false when it is not one (or not whole), and
   * then adds nothing.
   */
  #walkRecord(
    record: Buffer,
    vanished: ReadonlySet<string> | undefined,
    missing: string[],
  ): boolean {
    const map = mapSize(record);
    if (map === undefined || !startsWith(record, map.start, KEY_NAME)) return false;
    // The key comes first (and again last): a vanished task is dropped before anything else.
    const keyAt = map.start + KEY_NAME.length;
    const keyLength = stringLength(record, keyAt);
    if (keyLength === undefined) return false;
    let at = skipString(record, keyAt)!;
    if (at > record.length) return false;
    const key = record.toString('utf8', at - keyLength, at);
    if (vanished?.has(key)) {
      missing.push(key);
      return true;
    }
    this.#reserve();
    const row = this.length;
    for (let entry = 1; entry < map.count; entry++) {
      const nameLength = stringLength(record, at);
      if (nameLength === undefined) return false;
      const nameEnd = skipString(record, at)!;
      if (nameEnd > record.length) return false;
      const column = this.#column(record, nameEnd - nameLength, nameEnd, entry);
      const valueLength = stringLength(record, nameEnd);
      let value: unknown;
      if (valueLength !== undefined) {
        at = skipString(record, nameEnd)!;
        if (at > record.length) return false;
        value = column && this.#string(column, record, at - valueLength, at);
      } else {
        value = readValue(record, nameEnd);
        if (value === NOT_PLAIN) return false;
        at = read.end;
      }
      if (column === undefined || value === ABSENT) continue; // `key` again, or no value
      column.set(row, value);
      this.#written.push(column);
    }
    // A record is its map and nothing else: bytes left over mean it is not what it seems.
    if (at !== record.length) return false;
    this.#keys.push(key);
    this.#written.length = 0;
    this.length++;
    return true;
  }

  /** Adds a row (a task read from its hash, or a record that is not a flat map). */
  addRow(row: Record<string, unknown>): void {
    this.#reserve();
    const at = this.length;
    for (const name in row) {
      const value = row[name];
      if (name === 'key' || value === undefined) continue;
      if (typeof value === 'object' && value !== null) freezeDeep(value);
      this.#columnNamed(name).set(at, value);
    }
    this.#keys.push(row.key as string);
    this.length++;
  }

  /** Copies of the columns (the caller may change them). */
  columns(): TaskColumns {
    const out = { key: this.#keys.slice() } as TaskColumns;
    for (const [name, column] of this.#columns) out[name] = column.copy(this.length);
    return out;
  }

  /** Forgets every task. */
  clear(): void {
    this.length = 0;
    this.#keys.length = 0;
    this.#columns.clear();
    this.#names.length = 0;
  }

  /** Adds a record decoded whole; returns why when it cannot be decoded (nothing is added). */
  #addDecoded(
    record: Buffer,
    vanished: ReadonlySet<string> | undefined,
    missing: string[],
  ): string | undefined {
    const decoded = tryDecode(record);
    if (!decoded.ok) return decoded.problem;
    const value = decoded.value as TaskRecord | Record<string, unknown>;
    const row = Array.isArray(value)
      ? value.length === TASK_FIELDS.length + 1 &&
        typeof value[0] === 'string' &&
        !value.includes(C1)
        ? buildRow(value, TASK_FIELDS)
        : undefined
      : isPlainObject(value) && typeof value.key === 'string'
        ? value
        : undefined;
    if (row === undefined) return 'it is not a task record';
    const key = row.key as string;
    if (vanished?.has(key) || containsUnreadable(row)) missing.push(key);
    else this.addRow(row as Record<string, unknown>);
    return undefined;
  }

  /** Clears what a task that was not added wrote. */
  #undo(row: number): void {
    for (const column of this.#written) column.clear(row);
    this.#written.length = 0;
    this.#keys.length = Math.min(this.#keys.length, row);
    this.length = row;
    if (this.#made.length > 0) {
      for (const name of this.#made) this.#columns.delete(name);
      this.#made.length = 0;
      this.#names.length = 0; // it may point at them
    }
  }

  #reserve(): void {
    if (this.length < this.#capacity) return;
    this.#capacity *= 2;
    for (const column of this.#columns.values()) column.grow(this.#capacity);
  }

  /** The column of the name at `record[from..end)`; undefined for `key`. */
  #column(record: Buffer, from: number, end: number, entry: number): Column | undefined {
    const cached = this.#names[entry];
    if (cached !== undefined && sameBytes(cached.bytes, record, from, end)) return cached.column;
    const name = record.toString('utf8', from, end);
    const column = name === 'key' ? undefined : this.#columnNamed(name);
    this.#names[entry] = { bytes: record.subarray(from, end).slice(), column };
    return column;
  }

  /** The string at `record[from..end)`, shared with the column's last one when equal. */
  #string(column: Column, record: Buffer, from: number, end: number): string {
    if (column.lastBytes !== undefined && sameBytes(column.lastBytes, record, from, end))
      return column.lastString;
    column.lastString = record.toString('utf8', from, end);
    column.lastBytes = record.subarray(from, end).slice();
    return column.lastString;
  }

  #columnNamed(name: string): Column {
    let column = this.#columns.get(name);
    if (column === undefined) {
      column = new Column(this.#capacity);
      this.#columns.set(name, column);
      this.#made.push(name);
    }
    return column;
  }
}

/** Rows as columns. */
export function rowsToColumns(rows: readonly Record<string, unknown>[]): TaskColumns {
  const builder = new ColumnBuilder();
  for (const row of rows) builder.addRow(row);
  return builder.columns();
}
