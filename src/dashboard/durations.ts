/**
 * Task durations (finished_at − started_at, from the tasks' own timestamps) as a histogram with
 * fixed bounds: what /metrics exports (cumulative buckets) and what the page's durations panel
 * draws. It grows by adding tasks, so a monitor keeps it up to date from the tasks it reads new.
 */

/** Upper bounds of the buckets, in seconds (the last bucket, +Inf, is implicit). */
export const DURATION_BOUNDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 10800,
  43200, 86400,
] as const;

/** A task's start and end, when it carries both (older tasks carry neither). */
export function durationOf(row: Record<string, unknown>): number | undefined {
  const { started_at: start, finished_at: end } = row;
  if (typeof start !== 'number' || typeof end !== 'number' || !(end >= start)) return undefined;
  return (end - start) / 1000;
}

export class Durations {
  /** Tasks per bucket (not cumulative); the last entry counts those above every bound. */
  readonly counts: number[] = new Array(DURATION_BOUNDS.length + 1).fill(0);
  /** Tasks counted, and the sum of their durations in seconds. */
  count = 0;
  sum = 0;
  /** Tasks that carried no timestamps (written before rushnet recorded them). */
  untimed = 0;

  /** Counts a task's duration; returns whether it had one. */
  add(row: Record<string, unknown>): boolean {
    const seconds = durationOf(row);
    if (seconds === undefined) {
      this.untimed++;
      return false;
    }
    let i = 0;
    while (i < DURATION_BOUNDS.length && seconds > DURATION_BOUNDS[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sum += seconds;
    return true;
  }

  /** Cumulative counts per bound (`le`), then +Inf: Prometheus's form. */
  cumulative(): number[] {
    let total = 0;
    return this.counts.map((n) => {
      total += n;
      return total;
    });
  }
}
