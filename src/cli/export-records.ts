/**
 * The records of `rushnet export`, read from Redis a chunk at a time: one record per task with
 * `key`, `state`, `worker_id`, the properties of its inputs and outputs (and extras) as
 * columns, its timestamps and tries when it has them, and the message of its condition. The
 * task list only grows, so reading it by position up to its length at the start reads each
 * task once, with the state its hash holds when its chunk is read; nothing but one chunk is
 * ever in memory.
 */
import { RushKeys } from '../redis/keys.js';
import type { Rush } from '../rush.js';

/** Tasks per read: a few ms of the server per call (like the library's own reads). */
export const EXPORT_CHUNK = 2000;

/** The columns every record starts with, and those it ends with (when a task has them). */
export const LEADING = ['key', 'state', 'worker_id'] as const;
export const TRAILING = ['created_at', 'started_at', 'finished_at', 'tries', 'condition'] as const;
const OWN: ReadonlySet<string> = new Set<string>([...LEADING, ...TRAILING]);

const VALUE_FIELDS = ['state', 'worker_id', 'xs', 'ys', 'xs_extra', 'ys_extra', 'condition'];
/**
 * Read on their own: a task written before they existed has none, and one the reader cannot
 * decode costs its timestamps, not its record.
 */
const TIME_FIELDS = ['created_at', 'started_at', 'finished_at', 'tries'];
const SPREAD_FIELDS = ['xs', 'ys', 'xs_extra', 'ys_extra'];

export type ExportRecord = Record<string, unknown>;

/** How many tasks an export will look at: the length of the task list now. */
export function countTasks(rush: Rush): Promise<number> {
  return rush.connector.llen(new RushKeys(rush.networkId).tasks);
}

/**
 * The records of the first `total` tasks, in creation order, a chunk at a time (the next chunk
 * is read while the caller handles this one). Only tasks in `states` are kept. Tasks whose
 * data vanished or cannot be decoded are left out by the library's read (with a warning).
 */
export async function* readRecords(
  rush: Rush,
  total: number,
  states: ReadonlySet<string>,
): AsyncGenerator<ExportRecord[]> {
  const list = new RushKeys(rush.networkId).tasks;
  const read = async (from: number): Promise<ExportRecord[]> => {
    const keys = await rush.connector.lrange(list, from, Math.min(total, from + EXPORT_CHUNK) - 1);
    if (keys.length === 0) return [];
    const [rows, times] = await Promise.all([
      rush.readHashes(keys, VALUE_FIELDS, { flatten: false }),
      rush.readHashes(keys, TIME_FIELDS, { flatten: false }).catch(() => []),
    ]);
    const timesByKey = new Map(times.map((t) => [t.key as string, t]));
    const records: ExportRecord[] = [];
    for (const row of rows) {
      const state = exportState(row.state);
      if (!states.has(state)) continue;
      records.push(toRecord(row, state, timesByKey.get(row.key as string)));
    }
    return records;
  };
  let next = total > 0 ? read(0) : undefined;
  for (let from = 0; next !== undefined; from += EXPORT_CHUNK) {
    const current = await next;
    next = from + EXPORT_CHUNK < total ? read(from + EXPORT_CHUNK) : undefined;
    next?.catch(() => {}); // handled when awaited; not an unhandled rejection meanwhile
    yield current;
  }
}

/** The state a task's hash holds; a task waiting for a retry counts as queued. */
function exportState(value: unknown): string {
  const state = String(value ?? '');
  return state === 'delayed' ? 'queued' : state;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** One task's record: the row's own columns first, its values spread, then its times. */
function toRecord(
  row: Record<string, unknown>,
  state: string,
  times: Record<string, unknown> | undefined,
): ExportRecord {
  const record: ExportRecord = { key: row.key, state, worker_id: row.worker_id };
  for (const field of SPREAD_FIELDS) {
    const value = row[field];
    if (value === undefined) continue;
    if (!isPlainObject(value)) {
      record[field] = value; // a non-object value keeps its field's name
      continue;
    }
    for (const name in value) if (!OWN.has(name)) record[name] = value[name];
  }
  for (const field of TIME_FIELDS) {
    const value = times?.[field];
    if (value !== undefined && value !== null) record[field] = timeValue(value);
  }
  if (row.condition !== undefined && row.condition !== null)
    record.condition = conditionMessage(row.condition);
  return record;
}

/** A timestamp or count as a number when it is one (a stored string of digits included). */
function timeValue(value: unknown): unknown {
  if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

/** The message of a failure condition (the rest of it is in Redis). */
function conditionMessage(condition: unknown): string {
  if (isPlainObject(condition) && typeof condition.message === 'string') return condition.message;
  return typeof condition === 'string' ? condition : JSON.stringify(plain(condition));
}

/** A value as plain JSON data: what a spreadsheet, pandas or jq can read. */
export function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), plain(v)]));
  if (value instanceof Set) return [...value].map(plain);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, plain);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
