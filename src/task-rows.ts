/**
 * Turning what the read scripts return into rows (SPEC §2): decoded values, with the
 * properties of object fields (xs, ys, extras) spread into the row like table columns.
 */
import { decodeValue } from './codec.js';
import type { TaskRow } from './types.js';

/** Fields stored as plain UTF-8 strings, not MessagePack. */
const STRING_FIELDS = new Set(['worker_id', 'state']);
/** Object fields kept whole under their name instead of being spread into the row. */
const WHOLE_FIELDS = new Set(['condition', 'worker_id', 'state']);

export type RawValue = Buffer | null;
/** A flat script reply: strings/Buffers, integers and nils. */
export type RawReply = (Buffer | number | null)[];

export function decodeField(field: string, raw: RawValue | undefined): unknown {
  if (raw === null || raw === undefined) return undefined;
  return STRING_FIELDS.has(field) ? raw.toString() : decodeValue(raw);
}

/** A task as read: its key and its decoded values, aligned with the field list it was read with. */
export interface DecodedTask {
  key: string;
  values: unknown[];
}

/**
 * Decodes the per-task part of a reply: `key, exists, value × fields.length` repeated from
 * `start`. Tasks whose hash vanished are passed to `onMissing` and left out.
 */
export function decodeTasks(
  reply: RawReply,
  start: number,
  fields: readonly string[],
  onMissing: (key: string) => void,
): DecodedTask[] {
  const n = fields.length;
  const tasks: DecodedTask[] = [];
  for (let i = start; i < reply.length; i += n + 2) {
    const key = String(reply[i]);
    if (reply[i + 1] === 0) {
      onMissing(key);
      continue;
    }
    const values = new Array<unknown>(n);
    for (let j = 0; j < n; j++) values[j] = decodeField(fields[j]!, reply[i + 2 + j] as RawValue);
    tasks.push({ key, values });
  }
  return tasks;
}

/**
 * Builds one row. `indices[j]` says where field `fields[j]` sits in `values`
 * (identity when omitted). Absent values leave no property.
 */
export function buildRow<XS extends object, YS extends object>(
  key: string,
  fields: readonly string[],
  values: readonly unknown[],
  indices?: readonly number[],
): TaskRow<XS, YS> {
  const row: Record<string, unknown> = { key };
  for (let j = 0; j < fields.length; j++) {
    const value = values[indices ? indices[j]! : j];
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

/** The record form of a task (`flatten: false`): each field under its own name. */
export function buildRecord(
  key: string,
  fields: readonly string[],
  values: readonly unknown[],
): Record<string, unknown> {
  const record: Record<string, unknown> = { key };
  for (let j = 0; j < fields.length; j++)
    if (values[j] !== undefined) record[fields[j]!] = values[j];
  return record;
}
