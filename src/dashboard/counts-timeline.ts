/**
 * The dashboard's timeline of a network's counts: one sample per poll of the tasks in each
 * state, and the throughput (tasks done per second) over the last seconds.
 */
import type { NetworkCounts } from '../index.js';
import { Timeline } from './series.js';

/** Throughput is measured over this window. */
const RATE_WINDOW_MS = 10_000;

const TIMELINE_RULES = {
  queued: 'last',
  running: 'last',
  finished: 'last',
  failed: 'last',
  throughput: 'mean',
} as const;
export type TimelineColumn = keyof typeof TIMELINE_RULES;

export class CountsTimeline extends Timeline<TimelineColumn> {
  /** The tasks done at the polls within the rate window. */
  #recent: { t: number; done: number }[] = [];

  constructor() {
    super(TIMELINE_RULES);
  }

  /** One point: the counts, and the rate of tasks done over the last seconds. */
  sample(now: number, c: NetworkCounts): void {
    const done = c.finished + c.failed;
    const recent = this.#recent;
    if (recent.length > 0 && done < recent[recent.length - 1]!.done) recent.length = 0;
    recent.push({ t: now, done });
    while (recent.length > 2 && now - recent[1]!.t >= RATE_WINDOW_MS) recent.shift();
    const first = recent[0]!;
    const throughput = now > first.t ? ((done - first.done) * 1000) / (now - first.t) : null;
    this.push(now, {
      queued: c.queued,
      running: c.running,
      finished: c.finished,
      failed: c.failed,
      throughput,
    });
  }
}
