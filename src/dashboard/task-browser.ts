/**
 * The task browser's reads: a page of tasks filtered by state and searched by key or by a value,
 * and one task's full record. Read-only; values go out as display text (JSON-like, with
 * BigInt, Map, Set, Date, NaN and ±Infinity written out), which the page shows as text only.
 */
import { RushInputError } from '../errors.js';
import { TASK_FIELDS } from '../tasks/fields.js';
import type { TaskState } from '../types.js';
import { shortJson } from './failed-list.js';
import type { NetworkMonitor } from './monitor.js';

const STATES: readonly TaskState[] = ['queued', 'running', 'finished', 'failed'];
/** Rows per page. */
export const PAGE_SIZE = 50;
/** Tasks of states other than finished whose values a search reads at most (the newest). */
export const SEARCH_LIMIT = 20_000;
/** Fields of a task's full record: every stored field. */
const RECORD_FIELDS: string[] = [...TASK_FIELDS];
const SUMMARY_FIELDS = ['xs', 'ys', 'condition', 'worker_id', 'started_at', 'finished_at'];

/** A value as text for people: JSON where it can be, the rest spelled out. */
export function display(value: unknown, indent?: number): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
        if (v === undefined) return 'undefined';
        if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), x]));
        if (v instanceof Set) return [...v];
        if (ArrayBuffer.isView(v) && !(v instanceof DataView))
          return Array.from(v as unknown as ArrayLike<number>).slice(0, 1000);
        return v;
      },
      indent,
    );
    return text ?? String(value);
  } catch {
    return String(value);
  }
}

export interface TaskSummary {
  key: string;
  state: TaskState;
  worker_id: string;
  xs: string;
  ys: string;
  message: string;
  duration: number | null;
}

export interface TaskPage {
  total: number;
  page: number;
  size: number;
  rows: TaskSummary[];
  /** A search looked at the values of only the newest SEARCH_LIMIT tasks. */
  truncated: boolean;
}

function statesOf(param: string | null): TaskState[] {
  if (!param || param === 'all') return [...STATES];
  if (!(STATES as readonly string[]).includes(param))
    throw new RushInputError('state', `must be one of all, ${STATES.join(', ')}`);
  return [param as TaskState];
}

/**
 * `GET /api/network/<id>/tasks?state=&q=&page=`: one page of matching tasks, newest first.
 * Finished tasks come from the monitor's cache (no read of Redis, also for a search); the keys
 * of the other states are read in one consistent call.
 */
export async function readTaskPage(
  monitor: NetworkMonitor,
  params: URLSearchParams,
): Promise<TaskPage> {
  const states = statesOf(params.get('state'));
  const q = (params.get('q') ?? '').trim().toLowerCase();
  const page = Math.max(0, Math.floor(Number(params.get('page')) || 0));
  const rush = await monitor.reader();
  const others = states.filter((s) => s !== 'finished');
  const byState = others.length > 0 ? await rush.tasksWithState(others) : {};
  const finished = states.includes('finished') ? monitor.finishedRows : [];
  // Newest first: each state's keys end with its newest (finish order, queue order).
  let keys: { key: string; state: TaskState; row?: Record<string, unknown> }[] = [];
  for (const state of states) {
    if (state === 'finished')
      for (let i = finished.length - 1; i >= 0; i--)
        keys.push({ key: finished[i]!.key, state, row: finished[i] });
    else for (const key of (byState[state] ?? []).slice().reverse()) keys.push({ key, state });
  }
  let truncated = false;
  if (q) {
    const hit = (text: string) => text.toLowerCase().includes(q);
    const unread = keys.filter((k) => !k.row && !hit(k.key));
    truncated = unread.length > SEARCH_LIMIT;
    const read = await rush.readHashes(
      unread.slice(0, SEARCH_LIMIT).map((k) => k.key),
      ['xs', 'ys', 'xs_extra', 'ys_extra', 'condition', 'worker_id'],
      { flatten: false },
    );
    const found = new Set(read.filter((r) => hit(display(r))).map((r) => String(r.key)));
    keys = keys.filter((k) => hit(k.key) || found.has(k.key) || (k.row && hit(display(k.row))));
  }
  const slice = keys.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const rows = await rush.readHashes(
    slice.map((k) => k.key),
    SUMMARY_FIELDS,
    { flatten: false },
  );
  const byKey = new Map(rows.map((r) => [String(r.key), r]));
  return {
    total: keys.length,
    page,
    size: PAGE_SIZE,
    truncated,
    rows: slice.map(({ key, state }) => summary(key, state, byKey.get(key))),
  };
}

function summary(
  key: string,
  state: TaskState,
  r: Record<string, unknown> | undefined,
): TaskSummary {
  const condition = r?.condition as { message?: unknown } | undefined;
  const start = r?.started_at;
  const end = r?.finished_at;
  return {
    key,
    state,
    worker_id: typeof r?.worker_id === 'string' ? r.worker_id : '',
    xs: r?.xs === undefined ? '' : shortJson(r.xs),
    ys: r?.ys === undefined ? '' : shortJson(r.ys),
    message: condition?.message === undefined ? '' : String(condition.message).slice(0, 300),
    duration:
      typeof start === 'number' && typeof end === 'number' && end >= start
        ? (end - start) / 1000
        : null,
  };
}

export interface TaskRecord {
  key: string;
  state: TaskState | 'unknown';
  /** Each field the task has, as display text (indented JSON). */
  fields: Record<string, string>;
  /** The timestamps as numbers (ms since the epoch), where the task has them. */
  times: Record<string, number>;
}

/** `GET /api/network/<id>/task?key=`: a task's full record. */
export async function readTask(monitor: NetworkMonitor, key: string | null): Promise<TaskRecord> {
  if (!key) throw new RushInputError('key', 'is required');
  const rush = await monitor.reader();
  const record = await rush.readHash(key, RECORD_FIELDS);
  if (!record) throw new RushInputError('key', `no task "${key}" in this network`);
  const [[running], [failed]] = await Promise.all([
    rush.isRunningTask([key]),
    rush.isFailedTask([key]),
  ]);
  const state: TaskRecord['state'] = running
    ? 'running'
    : failed
      ? 'failed'
      : monitor.isFinished(key)
        ? 'finished'
        : 'queued';
  const fields: Record<string, string> = {};
  const times: Record<string, number> = {};
  for (const field of RECORD_FIELDS) {
    const value = record[field];
    if (value === undefined) continue;
    fields[field] = display(value, 2);
    if (field.endsWith('_at') && typeof value === 'number') times[field] = value;
  }
  return { key, state, fields, times };
}
