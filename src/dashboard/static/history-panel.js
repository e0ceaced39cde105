// Tasks by state and throughput over time: the run before the page opened, rebuilt on the
// server from the tasks' timestamps (`history` in the first message), then the live samples.
import { countsChart, throughputChart } from './charts.js';
import { $, fmtInt, setText } from './util.js';

const COLUMNS = ['queued', 'running', 'finished', 'failed', 'throughput'];

const empty = () => ({ t: [], queued: [], running: [], finished: [], failed: [], throughput: [] });

export function historyPanel() {
  const counts = countsChart($('chart-counts'));
  const throughput = throughputChart($('chart-throughput'));
  let past = empty();
  let live = empty();

  function draw() {
    const all = empty();
    for (const part of [past, live]) {
      all.t.push(...part.t.map((ms) => ms / 1000));
      for (const k of COLUMNS) all[k].push(...part[k]);
    }
    counts.setData([all.t, all.queued, all.running, all.finished, all.failed]);
    throughput.setData([all.t, all.throughput]);
    $('chart-counts').dataset.points = String(all.t.length);
    $('chart-counts').dataset.history = String(past.t.length);
    const rate = live.throughput.at(-1);
    setText(
      'count-throughput',
      rate === null || rate === undefined ? '–' : rate.toFixed(rate < 10 ? 1 : 0),
    );
  }

  return {
    apply(m) {
      if (m.full) {
        past = m.history ?? empty();
        live = empty();
        const left = m.history?.untimed ?? 0;
        setText(
          'history-note',
          past.t.length > 0
            ? `since ${new Date(past.t[0]).toLocaleString()}, from the tasks' timestamps${left ? ` (${fmtInt(left)} tasks without timestamps left out)` : ''}`
            : left
              ? `${fmtInt(left)} done tasks carry no timestamps: the chart starts now`
              : '',
        );
      }
      if (!m.timeline) return;
      if (m.timeline.replace) live = empty();
      live.t.push(...m.timeline.t);
      for (const k of COLUMNS) live[k].push(...m.timeline[k]);
      draw();
    },
  };
}
