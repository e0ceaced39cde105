// The optimization view, for tasks that carry `xs_extra.optimizer`: each parameter against the
// result (one small scatter each; log axes where positive values span decades), the best
// configuration so far, and the best result so far over wall time.
import { bestOverTimeChart, scatterChart, spansDecades } from './charts.js';
import { $, el, fmtInt, fmtNum, query, setText, throttled } from './util.js';

/** Reads at most this often while the counts change. */
const REFRESH_MS = 3000;

export function optimizePanel(ctx) {
  const scatters = new Map();
  let over;
  let overSettings = { time: true, log: false };

  async function load() {
    const view = await ctx.get('optimize', {
      ys: query.get('ys') ?? undefined,
      dir: query.get('dir') ?? undefined,
    });
    if (view) show(view);
  }

  function show(view) {
    const panel = $('optimize-panel');
    panel.hidden = !view.optimizer;
    if (!view.optimizer) return;
    panel.dataset.optimizer = view.optimizer;
    setText(
      'opt-note',
      `${view.optimizer} · ${fmtInt(view.total)} evaluations · ${view.column} (${view.direction === 'max' ? 'larger' : 'smaller'} is better)`,
    );
    const best = $('opt-best').tBodies[0];
    best.replaceChildren(
      ...(view.best
        ? [
            el(
              'tr',
              {},
              el('th', { text: view.column }),
              el('td', { text: fmtNum(view.best.value) }),
            ),
            ...Object.entries(view.best.config).map(([k, v]) =>
              el('tr', { 'data-param': k }, el('th', { text: k }), el('td', { text: v })),
            ),
          ]
        : []),
    );
    const yLog = spansDecades(view.y);
    const box = $('opt-scatters');
    for (const p of view.params) {
      const key = `${p.name}|${p.log}|${yLog}|${p.categories ? 'c' : 'n'}|${view.column}`;
      let entry = scatters.get(p.name);
      if (!entry || entry.key !== key) {
        entry?.node.remove();
        const node = el('div', { class: 'scatter', 'data-param': p.name });
        box.append(node);
        const chart = scatterChart(node, {
          xLabel: p.name,
          yLabel: view.column,
          xLog: p.log,
          yLog,
          categories: p.categories,
        });
        entry = { key, node, chart };
        scatters.set(p.name, entry);
      }
      // uPlot draws points of an x that increases: sort the pairs by x.
      const pairs = p.x
        .map((x, i) => [x, view.y[i]])
        .filter(([x, y]) => x !== null && (!p.log || x > 0) && (!yLog || y > 0))
        .sort((a, b) => a[0] - b[0]);
      entry.chart.setData([pairs.map((q) => q[0]), pairs.map((q) => q[1])]);
      entry.node.dataset.points = String(pairs.length);
      entry.node.dataset.log = p.log ? '1' : '0';
    }
    const o = view.bestOverTime;
    const settings = { time: o.axis === 'time', log: spansDecades(o.y) };
    if (!over || settings.time !== overSettings.time || settings.log !== overSettings.log) {
      overSettings = settings;
      $('chart-best-time').replaceChildren();
      over = bestOverTimeChart($('chart-best-time'), () => overSettings);
    }
    // A step at each improvement, held to now.
    const x = o.axis === 'time' ? o.x.map((t) => t / 1000) : o.x.slice();
    const y = o.y.slice();
    if (x.length > 0) {
      x.push(
        o.axis === 'time' ? Math.max(Date.now() / 1000, x.at(-1)) : Math.max(view.total, x.at(-1)),
      );
      y.push(y.at(-1));
    }
    over.setData([x, y]);
    $('chart-best-time').dataset.points = String(o.y.length);
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
