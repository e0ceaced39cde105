/**
 * The dashboard's aggregates without a browser: result buckets keep extremes and the best while
 * they downsample, timelines halve, the log tail keeps each level, failed tasks come newest first.
 */
import { describe, expect, it } from 'vitest';
import { Durations } from '../../src/dashboard/durations.js';
import { FailedList } from '../../src/dashboard/failed-list.js';
import { buildHistory, HISTORY_BUCKETS, timesOf } from '../../src/dashboard/history.js';
import { LogTail } from '../../src/dashboard/log-tail.js';
import { MAX_BUCKETS, MAX_SAMPLES, ResultSeries, Timeline } from '../../src/dashboard/series.js';
import type { LogRecord } from '../../src/index.js';

describe('ResultSeries', () => {
  it('keeps at most MAX_BUCKETS buckets, each with its extremes, and the best tasks', () => {
    const series = new ResultSeries('y');
    const n = 100_000;
    const values: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = Math.sin(i) * 100 + (i === 54_321 ? -1000 : 0);
      values.push(y);
      series.add({ key: `k${i}`, y, x: i, worker_id: 'w' });
    }
    series.add({ key: 'text', y: 'not a number' });
    expect(series.count).toBe(n + 1);
    expect(series.min.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(series.min.length).toBe(Math.ceil((n + 1) / series.width));
    // Every bucket holds exactly the extremes of its evaluations.
    for (const b of [0, 7, Math.floor(54_321 / series.width), series.min.length - 2]) {
      const slice = values.slice(b * series.width, (b + 1) * series.width);
      expect(series.min[b]).toBe(Math.min(...slice));
      expect(series.max[b]).toBe(Math.max(...slice));
    }
    expect(series.best.min).toEqual({
      index: 54_322,
      value: values[54_321],
      key: 'k54321',
      row: { x: 54_321 },
    });
    expect(series.best.max!.value).toBe(Math.max(...values));
  });

  it('changes its version when it downsamples', () => {
    const series = new ResultSeries('y');
    const first = series.version;
    for (let i = 0; i < MAX_BUCKETS; i++) series.add({ key: String(i), y: i });
    expect(series.version).toBe(first);
    series.add({ key: 'more', y: 1 });
    expect(series.version).not.toBe(first);
    expect(series.width).toBe(2);
  });
});

describe('Timeline', () => {
  it('halves its resolution when full, keeping the newest sample', () => {
    const timeline = new Timeline({ count: 'last', rate: 'mean' });
    for (let i = 0; i <= MAX_SAMPLES; i++) timeline.push(i, { count: i, rate: i % 2 });
    expect(timeline.length).toBe(Math.ceil((MAX_SAMPLES + 1) / 2));
    expect(timeline.t.at(-1)).toBe(MAX_SAMPLES);
    expect(timeline.columns.count.at(-1)).toBe(MAX_SAMPLES);
    expect(timeline.columns.rate[0]).toBe(0.5);
  });
});

describe('LogTail', () => {
  const record = (worker: string, seq: number, level: string): LogRecord => ({
    worker_id: worker,
    seq,
    level,
    timestamp: new Date(1000 + seq),
    logger: 'app',
    msg: `${level} ${seq}`,
  });

  it('takes each record once and keeps warnings when info floods in', () => {
    const tail = new LogTail();
    const records = [record('a', 1, 'warn')];
    for (let i = 2; i < 1000; i++) records.push(record('a', i, 'info'));
    expect(tail.absorb(records)).toBe(999);
    expect(tail.absorb(records)).toBe(0); // readLog returns the whole list again
    expect(tail.since(0, 'warn').map((r) => r.msg)).toEqual(['warn 1']);
    expect(tail.since(0, 'info')).toHaveLength(200);
    expect(tail.since(tail.seq - 1, 'info').map((r) => r.msg)).toEqual(['info 999']);
  });
});

describe('FailedList', () => {
  it('lists new failures first with their message and details', () => {
    const list = new FailedList();
    list.update([{ key: 'a', worker_id: 'w1', condition: { message: 'boom', code: 1 }, x: 1 }]);
    const seen = list.seq;
    list.update([
      { key: 'a', worker_id: 'w1', condition: { message: 'boom' } },
      { key: 'b', worker_id: 'w2', condition: { message: 'bang' }, x: 1 / 3 },
    ]);
    expect(list.total).toBe(2);
    expect(list.entries.map((e) => e.key)).toEqual(['b', 'a']);
    expect(list.since(seen)).toMatchObject([{ key: 'b', message: 'bang', xs: '{"x":0.333333}' }]);
    expect(list.entries[1]).toMatchObject({ details: '{"code":1}' });
    expect(Object.fromEntries(list.perWorker)).toEqual({ w1: 1, w2: 1 });
  });
});

describe('history from timestamps', () => {
  it('counts each state at each bucket end, and throughput per bucket', () => {
    // 10 tasks created at 0, each started at i s and finished at i + 1 s; the last one failed.
    const tasks = Array.from({ length: 10 }, (_, i) => ({
      created: 0,
      started: i * 1000,
      finished: (i + 1) * 1000,
      failed: i === 9,
    }));
    const h = buildHistory(tasks, 10_000);
    expect(h.t).toHaveLength(HISTORY_BUCKETS);
    expect(h.t.at(-1)).toBe(10_000);
    const at = (ms: number) => h.t.findIndex((t) => t >= ms);
    // At 5.5 s: 5 done, 1 running, 4 queued.
    const i = at(5500);
    expect([h.queued[i], h.running[i], h.finished[i], h.failed[i]]).toEqual([4, 1, 5, 0]);
    const end = h.t.length - 1;
    expect([h.queued[end], h.running[end], h.finished[end], h.failed[end]]).toEqual([0, 0, 9, 1]);
    // One task per second on average.
    const perSecond = h.throughput.reduce((a, b) => a + b, 0) / h.throughput.length;
    expect(perSecond).toBeCloseTo(1, 1);
  });

  it('leaves out tasks without timestamps, and says how many', () => {
    expect(timesOf({ key: 'a' }, false)).toBeUndefined();
    const h = buildHistory([], Date.now(), 7);
    expect(h.t).toEqual([]);
    expect(h.untimed).toBe(7);
  });

  it('durations: buckets by upper bound, untimed tasks counted apart', () => {
    const d = new Durations();
    d.add({ started_at: 0, finished_at: 5 }); // 0.005 s
    d.add({ started_at: 0, finished_at: 700 }); // 0.7 s
    d.add({ started_at: 0, finished_at: 10 ** 9 }); // above every bound
    d.add({ started_at: 5, finished_at: 1 }); // ends before it starts: not a duration
    expect(d.count).toBe(3);
    expect(d.untimed).toBe(1);
    const c = d.cumulative();
    expect(c[0]).toBe(1);
    expect(c.at(-1)).toBe(3);
    expect(c.at(-2)).toBe(2);
  });
});
