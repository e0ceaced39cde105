/**
 * Turning what the read scripts return into rows (docs/concepts.md): decoded values, with the
 * properties of object fields (xs, ys, extras) spread into the row like table columns.
 */

import { C1 } from 'msgpackr';
import type { PoppedTask, TaskRow } from '../types.js';
import { containsUnreadable, decodeProblem, decodeValue, holdsUnreadable } from './codec.js';
import { STRING_FIELDS, WHOLE_FIELDS } from './fields.js';

export type RawValue = Buffer | null;
/** A flat script reply: strings/Buffers, integers and nils. */
export type RawReply = (Buffer | number | null)[];

export function decodeField(field: string, raw: RawValue | undefined): unknown {
  if (raw === null || raw === undefined) return undefined;
  return STRING_FIELDS.has(field) ? raw.toString() : decodeValue(raw);
}

/** How each field is stored, for the read script: 's' plain string, 'm' MessagePack. */
export function fieldKinds(fields: readonly string[]): string {
  let kinds = '';
  for (const field of fields) kinds += STRING_FIELDS.has(field) ? 's' : 'm';
  return kinds;
}

/**
 * A task as read: `[key, value of field 1, value of field 2, ...]`, aligned with the field
 * list it was read with. One array per task keeps the cache of 100,000s of tasks lean.
 */
export type TaskRecord = unknown[];

/**
 * Splits the per-task part of a decoded reply: `key, exists, value × fields.length` repeated
 * from `start`. Tasks whose hash vanished, or that refer to a large object whose file cannot
 * be read, are passed to `onMissing` and left out; `positions` receives the place in the reply
 * of each task kept.
 */
export function decodeTasks(
  reply: readonly unknown[],
  start: number,
  fields: readonly string[],
  onMissing: (key: string) => void,
  positions?: number[],
): TaskRecord[] {
  const n = fields.length;
  const tasks: TaskRecord[] = [];
  const unreadable = holdsUnreadable(reply); // only then is a task's data searched
  for (let i = start, at = 0; i < reply.length; i += n + 2, at++) {
    const key = reply[i] as string;
    const task = reply.slice(i + 1, i + 2 + n); // the exists flag's slot takes the key
    if (reply[i + 1] === 0 || (unreadable && containsUnreadable(task))) {
      onMissing(key);
      continue;
    }
    task[0] = key;
    tasks.push(task);
    positions?.push(at);
  }
  return tasks;
}

/**
 * Builds one row from a task record. `indices[j]` says where field `fields[j]` sits in the
 * record (`j + 1` when omitted). Absent values leave no property.
 */
export function buildRow<XS extends object, YS extends object>(
  record: TaskRecord,
  fields: readonly string[],
  indices?: readonly number[],
): TaskRow<XS, YS> {
  const key = record[0] as string;
  const row: Record<string, unknown> = { key };
  for (let j = 0; j < fields.length; j++) {
    const value = record[indices ? indices[j]! : j + 1];
    if (value === undefined) continue;
    const field = fields[j]!;
    if (
      !WHOLE_FIELDS.has(field) &&
      typeof value === 'object' &&
      value !== null &&
      isRecord(value)
    ) {
      for (const name in value) row[name] = (value as Record<string, unknown>)[name];
    } else {
      row[field] = value;
    }
  }
  row.key = key;
  return row as TaskRow<XS, YS>;
}

function isRecord(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The unflattened form of a task (`flatten: false`): each field under its own name. */
export function buildRecord(
  record: TaskRecord,
  fields: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { key: record[0] };
  for (let j = 0; j < fields.length; j++)
    if (record[j + 1] !== undefined) out[fields[j]!] = record[j + 1];
  return out;
}

/**
 * Tasks taken by the pop script: `key, value × fields.length` repeated. A task with a value
 * that cannot be decoded (corrupted bytes, a foreign writer) is not returned but listed in
 * `undecodable`, with why: the caller fails it.
 */
export function poppedTasks<XS extends object>(
  reply: RawReply,
  fields: readonly string[],
): { tasks: PoppedTask<XS>[]; undecodable: { key: string; problem: string }[] } {
  const tasks: PoppedTask<XS>[] = [];
  const undecodable: { key: string; problem: string }[] = [];
  for (let i = 0; i < reply.length; i += fields.length + 1) {
    const key = String(reply[i]);
    const task: Record<string, unknown> = { key };
    for (let j = 0; j < fields.length; j++) {
      const field = fields[j]!;
      let value: unknown;
      try {
        value = decodeField(field, reply[i + 1 + j] as Buffer | null);
      } catch (error) {
        undecodable.push({ key, problem: `its ${field}: ${decodeProblem(error)}` });
        break;
      }
      if (value === C1) {
        undecodable.push({ key, problem: `its ${field}: ${decodeProblem(new Error('0xC1'))}` });
        break;
      }
      if (value !== undefined) task[field] = value;
    }
    if (undecodable.at(-1)?.key !== key) tasks.push(task as PoppedTask<XS>);
  }
  return { tasks, undecodable };
}

/**
 * Freezes a row that is shared with a cache, and the plain objects and arrays inside it, so a
 * caller cannot change what later calls return. (Maps, Sets, Dates and typed arrays cannot be
 * frozen; they are shared as they are.)
 */
export function freezeRow<T extends object>(row: T): T {
  for (const name in row) {
    const value = (row as Record<string, unknown>)[name];
    if (typeof value === 'object' && value !== null) freezeDeep(value);
  }
  return Object.freeze(row);
}

/** Freezes plain objects and arrays, and those inside them (other objects are left as they are). */
export function freezeDeep(value: object): void {
  if (Object.isFrozen(value)) return;
  const isArray = Array.isArray(value);
  if (!isArray && !isRecord(value)) return;
  Object.freeze(value);
  for (const item of isArray ? value : Object.values(value)) {
    if (typeof item === 'object' && item !== null) freezeDeep(item);
  }
}
