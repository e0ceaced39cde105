/**
 * A network's past from its tasks' own timestamps (created_at, started_at, finished_at), so a
 * page opened after a run shows the run: counts by state and throughput in HISTORY_BUCKETS
 * buckets up to a given time (where the monitor's live samples take over). Built from the
 * finished and failed tasks; tasks without timestamps (older data) are counted as left out.
 */

/** Points of the history charts at most. */
export const HISTORY_BUCKETS = 300;

export interface TaskTimes {
  created?: number;
  started?: number;
  finished?: number;
  failed: boolean;
}

export interface History {
  /** Bucket ends (ms since the epoch). */
  t: number[];
  queued: number[];
  running: number[];
  finished: number[];
  failed: number[];
  /** Tasks finished or failed per second within each bucket. */
  throughput: number[];
  /** Done tasks without timestamps, not in the history. */
  untimed: number;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The timestamps of a row, if it carries a finish time. */
export function timesOf(row: Record<string, unknown>, failed: boolean): TaskTimes | undefined {
  const finished = num(row.finished_at);
  if (finished === undefined) return undefined;
  return { created: num(row.created_at), started: num(row.started_at), finished, failed };
}

/** The history of these done tasks up to `until` (ms); empty when none has timestamps. */
export function buildHistory(tasks: Iterable<TaskTimes>, until: number, untimed = 0): History {
  const list: TaskTimes[] = [];
  let start = Number.POSITIVE_INFINITY;
  for (const task of tasks) {
    if (task.finished! > until) continue;
    list.push(task);
    start = Math.min(start, task.created ?? task.started ?? task.finished!);
  }
  const out: History = {
    t: [],
    queued: [],
    running: [],
    finished: [],
    failed: [],
    throughput: [],
    untimed,
  };
  if (list.length === 0) return out;
  const n = HISTORY_BUCKETS;
  const width = Math.max(1, (until - start) / n);
  // Changes per bucket: an event at time x counts from the bucket whose end is at or after x.
  const at = (x: number) => Math.min(n - 1, Math.max(0, Math.ceil((x - start) / width) - 1));
  const dq = new Float64Array(n + 1);
  const dr = new Float64Array(n + 1);
  const doneIn = new Float64Array(n);
  const failedIn = new Float64Array(n);
  for (const task of list) {
    const end = at(task.finished!);
    const began = task.started === undefined ? end : at(task.started);
    const made = task.created === undefined ? began : at(task.created);
    dq[made]! += 1;
    dq[began]! -= 1;
    dr[began]! += 1;
    dr[end]! -= 1;
    doneIn[end]! += 1;
    if (task.failed) failedIn[end]! += 1;
  }
  let queued = 0;
  let running = 0;
  let done = 0;
  let failed = 0;
  for (let i = 0; i < n; i++) {
    queued += dq[i]!;
    running += dr[i]!;
    done += doneIn[i]!;
    failed += failedIn[i]!;
    out.t.push(Math.round(start + (i + 1) * width));
    out.queued.push(queued);
    out.running.push(running);
    out.finished.push(done - failed);
    out.failed.push(failed);
    out.throughput.push(Number(((doneIn[i]! * 1000) / width).toPrecision(6)));
  }
  return out;
}
