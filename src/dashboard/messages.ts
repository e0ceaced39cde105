/**
 * What one page receives over its event stream. The first message holds everything (`full`);
 * each later one only what changed since the page's cursor: new timeline samples, changed
 * worker rows, the last result buckets, new failed tasks and log records. A page that was slow
 * to read simply gets a larger delta next time.
 */

import type { TimelineColumn } from './counts-timeline.js';
import { LEVELS } from './log-tail.js';
import type { NetworkMonitor } from './monitor.js';
import type { ResultSeries } from './series.js';

/** What a page asked for (its URL query). */
export interface Prefs {
  /** The result column to chart; default: the dashboard's `ys`, else the first numeric one. */
  ys?: string;
  /** Lowest log level shown. */
  level: string;
}

/** Defaults the dashboard was started with, for pages whose URL does not say. */
export interface Defaults {
  ys?: string;
  direction: 'min' | 'max';
}

export interface Cursor {
  generation: number;
  rev: number;
  statusRev: number;
  timelineVersion: number;
  timelineLength: number;
  workersRev: number;
  workerIdsRev: number;
  columnsRev: number;
  seriesColumn: string | undefined;
  seriesVersion: number;
  seriesBuckets: number;
  seriesCount: number;
  failedVersion: number;
  failedSeq: number;
  logSeq: number;
}

/** Order of a worker row's cells on the wire. */
export const WORKER_FIELDS = [
  'id',
  'host',
  'pid',
  'state',
  'heartbeat',
  'finished',
  'failed',
  'lastSeen',
] as const;

const TIMELINE: TimelineColumn[] = ['queued', 'running', 'finished', 'failed', 'throughput'];

/** Six significant digits are plenty for a chart, and make the messages much smaller. */
const round = (v: number | null) => (v === null ? null : Number(v.toPrecision(6)));

function seriesPayload(series: ResultSeries, start: number, replace: boolean) {
  return {
    column: series.column,
    replace,
    width: series.width,
    count: series.count,
    start,
    min: series.min.slice(start).map(round),
    max: series.max.slice(start).map(round),
    best: series.best,
  };
}

/** The message for a page at `cursor` (undefined: its first), or none when nothing changed. */
export function buildMessage(
  m: NetworkMonitor,
  prefs: Prefs,
  defaults: Defaults,
  cursor: Cursor | undefined,
): { message: Record<string, unknown> | undefined; cursor: Cursor } {
  const full = cursor === undefined || cursor.generation !== m.generation;
  const c = full ? undefined : cursor;
  const column = prefs.ys || defaults.ys || m.columns[0];
  const series = column ? m.series(column) : undefined;
  const next: Cursor = {
    generation: m.generation,
    rev: m.rev,
    statusRev: m.statusRev,
    timelineVersion: m.timeline.version,
    timelineLength: m.timeline.length,
    workersRev: m.rev,
    workerIdsRev: m.workerIdsRev,
    columnsRev: m.columnsRev,
    seriesColumn: column,
    seriesVersion: series?.version ?? 0,
    seriesBuckets: series?.min.length ?? 0,
    seriesCount: series?.count ?? 0,
    failedVersion: m.failed.version,
    failedSeq: m.failed.seq,
    logSeq: m.log.seq,
  };
  if (c && c.rev === m.rev && c.seriesColumn === column && c.seriesCount === next.seriesCount)
    return { message: undefined, cursor: next };

  const message: Record<string, unknown> = { full };
  if (full) {
    message.network = m.networkId;
    message.server = m.where;
    message.defaults = defaults;
    message.workerFields = WORKER_FIELDS;
    message.levels = LEVELS;
    // The run before the first live sample, from the tasks' timestamps.
    message.history = m.history();
  }
  if (!c || c.statusRev !== m.statusRev) message.status = m.status;
  if (m.counts && (!c || c.timelineLength !== m.timeline.length || c.rev !== m.rev))
    message.counts = m.counts;

  const sameTimeline = c && c.timelineVersion === m.timeline.version;
  const from = sameTimeline ? c.timelineLength : 0;
  if (from < m.timeline.length || !sameTimeline) {
    const slice = m.timeline.slice(from);
    message.timeline = { replace: !sameTimeline, t: slice.t, ...pick(slice) };
  }

  const idsChanged = !c || c.workerIdsRev !== m.workerIdsRev;
  const rows = [...m.workers.values()]
    .filter((w) => idsChanged || w.rev > c.workersRev)
    .map((w) => WORKER_FIELDS.map((f) => (f === 'heartbeat' ? (w.heartbeat ? 1 : 0) : w[f])));
  if (idsChanged || rows.length > 0) {
    message.workers = idsChanged ? { ids: [...m.workers.keys()], rows } : { rows };
  }

  if (!c || c.columnsRev !== m.columnsRev) message.columns = m.columns;
  if (series) {
    const same = c && c.seriesColumn === column && c.seriesVersion === series.version;
    // The page's last bucket may have grown since: send it again with the new ones.
    const start = same ? Math.max(0, c.seriesBuckets - 1) : 0;
    if (!same || series.count !== c.seriesCount)
      message.series = seriesPayload(series, start, !same);
  } else if (!c || c.seriesColumn !== column) {
    message.series = null;
  }

  const failedSame = c && c.failedVersion === m.failed.version;
  if (!failedSame || c.failedSeq !== m.failed.seq) {
    message.failed = {
      replace: !failedSame,
      total: m.failed.total,
      rows: m.failed.since(failedSame ? c.failedSeq : 0),
    };
  }
  const logFrom = c ? c.logSeq : 0;
  if (!c || logFrom !== m.log.seq) {
    message.log = { replace: !c, rows: m.log.since(logFrom, prefs.level) };
  }
  return { message, cursor: next };
}

function pick(slice: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of TIMELINE) out[name] = slice[name];
  return out;
}
