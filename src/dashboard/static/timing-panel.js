// The timeline (one lane per worker, a bar per task from start to end; a sample when there are
// many) and the histogram of task durations, from the tasks' timestamps, read every few seconds.
import { durationsChart } from './charts.js';
import { $, fmtInt, setText, throttled } from './util.js';

/** Reads at most this often while the counts change. */
const REFRESH_MS = 3000;

export function timingPanel(ctx) {
  const histogram = durationsChart($('chart-durations'));

  async function load() {
    const timing = await ctx.get('timing');
    if (timing) {
      drawLanes(timing);
      drawDurations(timing.durations);
    }
  }

  function drawLanes({ workers, tasks, total }) {
    const canvas = $('chart-lanes');
    canvas.dataset.tasks = String(tasks.length);
    canvas.dataset.lanes = String(workers.length);
    setText(
      'lanes-note',
      total === 0
        ? 'no task with timestamps yet'
        : tasks.length < total
          ? `${fmtInt(tasks.length)} of ${fmtInt(total)} tasks (a sample), ${workers.length} workers`
          : `${fmtInt(total)} tasks, ${workers.length} workers`,
    );
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    if (tasks.length === 0) return;
    const left = 70;
    const bottom = 18;
    let t0 = Number.POSITIVE_INFINITY;
    let t1 = 0;
    for (const [, s, f] of tasks) {
      t0 = Math.min(t0, s);
      t1 = Math.max(t1, f);
    }
    const span = Math.max(1, t1 - t0);
    const lane = (height - bottom) / workers.length;
    const x = (t) => left + ((t - t0) / span) * (width - left - 8);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = '#6c757d';
    workers.forEach((id, i) => {
      g.fillText(id.slice(0, 10), 2, i * lane + lane / 2 + 4);
    });
    for (const [w, s, f, failed] of tasks) {
      g.fillStyle = failed ? '#e03131' : '#2f9e44';
      g.fillRect(x(s), w * lane + 2, Math.max(1, x(f) - x(s)), Math.max(2, lane - 4));
    }
    g.fillStyle = '#495057';
    g.fillText(new Date(t0).toLocaleTimeString(), left, height - 4);
    const end = new Date(t1).toLocaleTimeString();
    g.fillText(end, width - 8 - g.measureText(end).width, height - 4);
  }

  function drawDurations(d) {
    const x = d.bounds.map((b) => b);
    const y = d.counts.slice(0, d.bounds.length);
    // Tasks above the last bound go in the last bar.
    y[y.length - 1] += d.counts[d.bounds.length] ?? 0;
    histogram.setData([x, y]);
    $('chart-durations').dataset.count = String(d.count);
    setText(
      'durations-note',
      d.count === 0
        ? d.untimed
          ? `${fmtInt(d.untimed)} finished tasks carry no timestamps`
          : 'no finished task with timestamps yet'
        : `${fmtInt(d.count)} finished tasks, mean ${(d.sum / d.count || 0).toPrecision(3)} s`,
    );
  }

  const refresh = throttled(load, REFRESH_MS);
  let seen;
  return {
    apply(m) {
      if (m.full) seen = undefined;
      if (!m.counts) return;
      const now = m.counts.finished + m.counts.failed;
      if (now !== seen) {
        seen = now;
        refresh();
      }
    },
  };
}
