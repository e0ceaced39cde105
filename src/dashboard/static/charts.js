// The network page's charts, drawn with uPlot (a global from uPlot.min.js, served by rushnet).
// Each chart fills its container's width and follows it when the window is resized.

const { uPlot } = window;

export const COLORS = {
  queued: '#868e96',
  running: '#f08c00',
  finished: '#2f9e44',
  failed: '#e03131',
  throughput: '#1c7ed6',
  result: '#7048e8',
  best: '#d9480f',
};

/** A chart in `container`: `options()` gives uPlot's options; data arrives with setData. */
function chart(container, height, options) {
  let plot;
  let data;
  const build = () => {
    plot?.destroy();
    const width = Math.max(240, container.clientWidth);
    plot = new uPlot({ ...options(), width, height }, data, container);
  };
  new ResizeObserver(() => {
    if (plot && Math.abs(plot.width - container.clientWidth) > 2)
      plot.setSize({ width: Math.max(240, container.clientWidth), height });
  }).observe(container);
  return {
    setData(next) {
      data = next;
      if (plot) plot.setData(next);
      else build();
    },
    rebuild() {
      if (data) build();
    },
  };
}

const line = (label, color, extra = {}) => ({
  label,
  stroke: color,
  width: 2,
  points: { show: false },
  ...extra,
});
const axis = (extra = {}) => ({ stroke: '#495057', grid: { stroke: '#f1f3f5' }, ...extra });

/** Task counts by state over time: queued and running on the left, the totals on the right. */
export function countsChart(container) {
  return chart(container, 230, () => ({
    scales: { x: { time: true }, active: {}, done: {} },
    series: [
      {},
      line('queued', COLORS.queued, { scale: 'active' }),
      line('running', COLORS.running, { scale: 'active' }),
      line('finished', COLORS.finished, { scale: 'done' }),
      line('failed', COLORS.failed, { scale: 'done' }),
    ],
    axes: [
      axis(),
      axis({ scale: 'active', label: 'queued · running', size: 60 }),
      axis({ scale: 'done', side: 1, label: 'finished · failed', size: 70, grid: { show: false } }),
    ],
  }));
}

export function throughputChart(container) {
  return chart(container, 230, () => ({
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [
      {},
      line('tasks/s', COLORS.throughput, {
        fill: 'rgba(28,126,214,0.08)',
        value: (_u, v) => fmt(v),
      }),
    ],
    axes: [axis(), axis({ size: 60 })],
  }));
}

const fmt = (v) => (v === null || v === undefined ? '–' : Number(v.toPrecision(4)).toString());

/**
 * A tick label: exponent form for very small or large values, so 1e-4 and 1e-5 on a log axis
 * never read "0" (uPlot's default rounds them to a few decimals).
 */
export function tick(v) {
  if (v === null || v === undefined) return '';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a < 1e-3 || a >= 1e6) {
    const [m, e] = v.toExponential(2).split('e');
    return `${Number(m)}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(4)));
}
const ticks = (_u, splits) => splits.map(tick);

/**
 * A result column over the evaluations in finish order: each bucket's smallest and largest
 * value as points (the same point when a bucket holds one evaluation), and the best so far.
 */
export function resultChart(container, settings) {
  const dot = (label, color) => ({
    label,
    stroke: color,
    fill: color,
    paths: () => null,
    points: { show: true, size: 4, width: 1, stroke: color, fill: color },
    value: (_u, v) => fmt(v),
  });
  return chart(container, 320, () => ({
    scales: { x: { time: false }, y: { distr: settings().log ? 3 : 1 } },
    series: [
      { label: 'evaluation' },
      dot(settings().column ?? 'value', COLORS.result),
      dot('range top', 'rgba(112,72,232,0.55)'),
      line('best so far', COLORS.best, {
        paths: uPlot.paths.stepped({ align: 1 }),
        value: (_u, v) => fmt(v),
      }),
    ],
    axes: [
      axis({ label: 'evaluation (finish order)' }),
      axis({ label: settings().column ?? '', size: 70, values: ticks }),
    ],
  }));
}

/**
 * uPlot data of a result series: x at each bucket's middle evaluation, the low and high points
 * (high null when equal), and the best-so-far line. Returns the data and the points plotted.
 */
export function resultData(series, direction) {
  const n = series.min.length;
  const x = new Array(n);
  const lo = new Array(n);
  const hi = new Array(n);
  const best = new Array(n);
  let current = null;
  let points = 0;
  for (let i = 0; i < n; i++) {
    const last = Math.min(series.count, (i + 1) * series.width);
    x[i] = (i * series.width + 1 + last) / 2;
    lo[i] = series.min[i];
    hi[i] = series.max[i] === series.min[i] ? null : series.max[i];
    if (lo[i] !== null) points++;
    if (hi[i] !== null) points++;
    const candidate = direction === 'max' ? series.max[i] : series.min[i];
    if (
      candidate !== null &&
      (current === null || (direction === 'max' ? candidate > current : candidate < current))
    )
      current = candidate;
    best[i] = current;
  }
  return { data: [x, lo, hi, best], points };
}

/** Whether positive values span two decades or more (then a log axis reads better). */
export function spansDecades(values) {
  let lo = Number.POSITIVE_INFINITY;
  let hi = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (!(v > 0)) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi > 0 && hi / lo >= 100;
}

/** A small scatter of one parameter (x) against the result (y); log axes as told. */
export function scatterChart(container, { xLabel, yLabel, xLog, yLog, categories }) {
  return chart(container, 200, () => ({
    legend: { show: false },
    scales: { x: { time: false, distr: xLog ? 3 : 1 }, y: { distr: yLog ? 3 : 1 } },
    series: [
      {},
      {
        stroke: COLORS.result,
        fill: COLORS.result,
        paths: () => null,
        points: { show: true, size: 4, width: 1, stroke: COLORS.result, fill: COLORS.result },
      },
    ],
    axes: [
      axis({
        label: xLabel,
        size: 34,
        values: categories ? (_u, splits) => splits.map((v) => categories[v] ?? '') : ticks,
        ...(categories ? { incrs: [1] } : {}),
      }),
      axis({ label: yLabel, size: 60, values: ticks }),
    ],
  }));
}

/** The best result so far over wall time (or evaluations), as steps. */
export function bestOverTimeChart(container, settings) {
  return chart(container, 160, () => ({
    legend: { show: false },
    scales: { x: { time: settings().time }, y: { distr: settings().log ? 3 : 1 } },
    series: [{}, line('best so far', COLORS.best, { paths: uPlot.paths.stepped({ align: 1 }) })],
    axes: [axis(), axis({ size: 60, values: ticks })],
  }));
}

/** Tasks per duration bucket, as bars over the buckets' upper bounds (log axis). */
export function durationsChart(container) {
  return chart(container, 230, () => ({
    legend: { show: false },
    scales: {
      x: { time: false, distr: 3 },
      y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
    },
    series: [
      {},
      {
        label: 'tasks',
        stroke: COLORS.throughput,
        fill: 'rgba(28,126,214,0.35)',
        paths: uPlot.paths.bars({ size: [0.8, 60] }),
        points: { show: false },
      },
    ],
    axes: [axis({ label: 'duration (s, upper bound)', values: ticks }), axis({ size: 50 })],
  }));
}
