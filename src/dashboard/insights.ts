/**
 * Views computed on the server from a monitor's tasks, sent as small JSON: the timeline (which
 * worker ran what when, a sample when there are many tasks) with the histogram of durations,
 * and the optimization view (each parameter against the result, the best configuration, the
 * best so far over wall time) for tasks that carry `xs_extra.optimizer`.
 */
import type { TaskRow } from '../index.js';
import { DURATION_BOUNDS } from './durations.js';
import type { NetworkMonitor } from './monitor.js';

/** Tasks drawn at most in the timeline, and points per scatter in the optimization view. */
export const MAX_POINTS = 3000;

/** Every k-th item so that at most `max` remain (the last one always among them). */
function sample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return items.slice();
  const step = items.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.min(items.length - 1, Math.floor(i * step))]!);
  out[out.length - 1] = items[items.length - 1]!;
  return out;
}

export interface Timing {
  /** Lanes, one per worker id. */
  workers: string[];
  /** [lane, started_at, finished_at, failed ? 1 : 0] per task drawn. */
  tasks: [number, number, number, number][];
  /** Tasks with timestamps, drawn or not. */
  total: number;
  durations: {
    bounds: readonly number[];
    counts: number[];
    count: number;
    sum: number;
    untimed: number;
  };
}

/** `GET /api/network/<id>/timing`: lanes of tasks over time, and the durations histogram. */
export function readTiming(m: NetworkMonitor): Timing {
  const timed: { w: string; s: number; f: number; failed: boolean }[] = [];
  const take = (rows: readonly TaskRow[], failed: boolean) => {
    for (const row of rows) {
      const r = row as Record<string, unknown>;
      if (typeof r.started_at === 'number' && typeof r.finished_at === 'number')
        timed.push({ w: String(r.worker_id ?? ''), s: r.started_at, f: r.finished_at, failed });
    }
  };
  take(m.finishedRows, false);
  take(m.times.failedRows, true);
  timed.sort((a, b) => a.s - b.s);
  const lanes = new Map<string, number>();
  const tasks = sample(timed, MAX_POINTS).map((t): [number, number, number, number] => {
    if (!lanes.has(t.w)) lanes.set(t.w, lanes.size);
    return [lanes.get(t.w)!, t.s, t.f, t.failed ? 1 : 0];
  });
  const d = m.times.durations;
  return {
    workers: [...lanes.keys()],
    tasks,
    total: timed.length,
    durations: {
      bounds: DURATION_BOUNDS,
      counts: d.counts,
      count: d.count,
      sum: d.sum,
      untimed: d.untimed,
    },
  };
}

export interface ParamView {
  name: string;
  /** Numbers, or the index of a category in `categories`. */
  x: (number | null)[];
  categories?: string[];
  /** Positive values spanning two decades or more: drawn on a log axis. */
  log: boolean;
}

export interface Optimization {
  optimizer?: string;
  column?: string;
  direction?: 'min' | 'max';
  params?: ParamView[];
  y?: number[];
  best?: { value: number; key: string; config: Record<string, string> };
  /** The best result so far, at each improvement: over wall time when tasks carry it. */
  bestOverTime?: { axis: 'time' | 'evaluation'; x: number[]; y: number[] };
  total?: number;
}

const text = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

/** Whether positive values span two decades or more. */
export function spansDecades(values: readonly (number | null)[]): boolean {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of values) {
    if (v === null) continue;
    if (!(v > 0)) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi > 0 && hi / lo >= 100;
}

/** `GET /api/network/<id>/optimize?ys=&dir=`: each parameter against the result. */
export function readOptimization(
  m: NetworkMonitor,
  column: string | undefined,
  direction: 'min' | 'max',
): Optimization {
  if (m.optimizer === undefined || !column) return {};
  const rows = m.finishedRows.filter((r) => {
    const y = (r as Record<string, unknown>)[column];
    return typeof y === 'number' && Number.isFinite(y);
  }) as Record<string, unknown>[];
  const better = (a: number, b: number) => (direction === 'min' ? a < b : a > b);
  let best: Record<string, unknown> | undefined;
  const over: Optimization['bestOverTime'] = { axis: 'time', x: [], y: [] };
  rows.forEach((row, i) => {
    const y = row[column] as number;
    if (best && !better(y, best[column] as number)) return;
    best = row;
    const t = row.finished_at;
    if (typeof t !== 'number') over.axis = 'evaluation';
    over.x.push(typeof t === 'number' ? t : i + 1);
    over.y.push(y);
  });
  if (over.axis === 'evaluation') {
    // Some tasks carry no time: count evaluations instead, for every point alike.
    over.x = [];
    let current: number | undefined;
    rows.forEach((row, i) => {
      const y = row[column] as number;
      if (current === undefined || better(y, current)) {
        current = y;
        over.x.push(i + 1);
      }
    });
  }
  const shown = sample(rows, MAX_POINTS);
  const params = m.params.map((name): ParamView => {
    const values = shown.map((r) => r[name]);
    if (values.every((v) => typeof v === 'number' || v === undefined || v === null)) {
      const x = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
      return { name, x, log: spansDecades(x) };
    }
    const categories = [...new Set(values.map(text))].slice(0, 50);
    return { name, x: values.map((v) => categories.indexOf(text(v))), categories, log: false };
  });
  return {
    optimizer: m.optimizer,
    column,
    direction,
    params,
    y: shown.map((r) => r[column] as number),
    best: best && {
      value: best[column] as number,
      key: String(best.key),
      config: Object.fromEntries(m.params.map((p) => [p, text(best![p])])),
    },
    bestOverTime: over,
    total: rows.length,
  };
}
