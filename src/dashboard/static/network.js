// The network page: cards and one event stream for the live panels (history, result, workers,
// failed tasks, log), plus the panels that ask the server when they need to (tasks, timeline,
// optimization). Each panel lives in its own module and takes the messages it cares about.
import { historyPanel } from './history-panel.js';
import { optimizePanel } from './optimize-panel.js';
import { resultPanel } from './result-panel.js';
import { failedPanel, logPanel, workersPanel } from './tables-panel.js';
import { tasksPanel } from './tasks-panel.js';
import { timingPanel } from './timing-panel.js';
import { $, fmtInt, follow, query, setText, showStatus } from './util.js';

export function startNetwork(networkId) {
  $('network-view').hidden = false;
  $('crumb').textContent = networkId;
  document.title = `${networkId} · rushnet dashboard`;

  const base = `/api/network/${encodeURIComponent(networkId)}/`;
  const ctx = {
    networkId,
    defaults: { direction: 'min' },
    /** The address of a network route with a query. */
    api: (what, params = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, v);
      return `${base}${what}${q.size ? `?${q}` : ''}`;
    },
    /** Reads a network route as JSON; a refusal shows its status and gives undefined. */
    get: async (what, params) => {
      const res = await fetch(ctx.api(what, params));
      const body = await res.json().catch(() => undefined);
      if (!res.ok) {
        if (body?.status) showStatus(body.status);
        return undefined;
      }
      return body;
    },
    reconnect: () => connect(),
  };
  const panels = [
    historyPanel(ctx),
    resultPanel(ctx),
    workersPanel(ctx),
    failedPanel(ctx),
    logPanel(ctx),
    tasksPanel(ctx),
    timingPanel(ctx),
    optimizePanel(ctx),
  ];

  let stop;
  function connect() {
    stop?.();
    stop = follow(
      ctx.api('events', { ys: query.get('ys') ?? undefined, level: ctx.level ?? 'info' }),
      apply,
    );
  }

  function apply(m) {
    if (m.full) {
      ctx.defaults = m.defaults ?? ctx.defaults;
      if (m.server) $('server').textContent = m.server;
    }
    if (m.status) showStatus(m.status);
    if (m.counts) showCounts(m.counts);
    for (const panel of panels) panel.apply?.(m);
  }

  function showCounts(c) {
    for (const k of ['queued', 'running', 'finished', 'failed'])
      setText(`count-${k}`, fmtInt(c[k]));
    setText('count-workers', fmtInt(c.runningWorkers));
    setText(
      'workers-summary',
      `${fmtInt(c.runningWorkers)} running, ${fmtInt(c.terminatedWorkers)} terminated`,
    );
  }

  connect();
}
