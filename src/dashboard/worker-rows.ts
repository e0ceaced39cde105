/**
 * The rows of the workers table: one per registered worker, with its totals and when the
 * dashboard last saw a sign of it. A row carries the monitor's revision of its last change, so
 * a page receives only the rows that changed since its cursor.
 */
import type { WorkerInfo } from '../index.js';

export interface WorkerRow {
  id: string;
  host: string;
  pid: number;
  state: string;
  heartbeat: boolean;
  finished: number;
  failed: number;
  /** Newest sign of life the dashboard saw (a log record or a task it finished), or null. */
  lastSeen: number | null;
  /** Revision of the monitor when this row last changed. */
  rev: number;
}

/**
 * Brings the rows up to date with the registry as read now; `bump` gives the next revision.
 * Returns whether the set of workers changed (pages then take the table whole).
 */
export function updateWorkerRows(
  rows: Map<string, WorkerRow>,
  info: readonly WorkerInfo[],
  totals: { finished(id: string): number; failed(id: string): number },
  seen: ReadonlyMap<string, number>,
  bump: () => number,
): boolean {
  const ids = info.map((w) => w.worker_id);
  let idsChanged = false;
  if (ids.length !== rows.size || ids.some((id) => !rows.has(id))) {
    for (const id of rows.keys()) if (!ids.includes(id)) rows.delete(id);
    idsChanged = true;
  }
  for (const w of info) {
    const old = rows.get(w.worker_id);
    const last = seen.get(w.worker_id);
    const next: Omit<WorkerRow, 'rev'> = {
      id: w.worker_id,
      host: w.hostname,
      pid: w.pid,
      state: w.state,
      heartbeat: w.heartbeat,
      finished: totals.finished(w.worker_id),
      failed: totals.failed(w.worker_id),
      lastSeen: Math.max(old?.lastSeen ?? 0, last ?? 0) || null,
    };
    const same =
      old && (Object.keys(next) as (keyof typeof next)[]).every((k) => old[k] === next[k]);
    if (!same) {
      rows.set(w.worker_id, { ...next, rev: bump() });
      if (!old) idsChanged = true;
    }
  }
  return idsChanged;
}
