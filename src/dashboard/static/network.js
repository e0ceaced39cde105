// The network page: counts, charts, workers, failed tasks and the log tail, kept up to date
// from one event stream. The first message holds everything; later ones only what changed.
import { countsChart, resultChart, resultData, throughputChart } from './charts.js';
import {
  $,
  ago,
  clock,
  el,
  fmtInt,
  fmtNum,
  follow,
  query,
  setQuery,
  setText,
  showStatus,
} from './util.js';

const TIMELINE = ['queued', 'running', 'finished', 'failed', 'throughput'];
const MAX_FAILED = 200;
const MAX_LOG = 200;

export function startNetwork(networkId) {
  $('network-view').hidden = false;
  $('crumb').textContent = networkId;
  document.title = `${networkId} · rushnet dashboard`;

  const state = {
    fields: [],
    workers: new Map(),
    rows: new Map(),
    order: [],
    timeline: emptyTimeline(),
    series: null,
    columns: [],
    defaults: { direction: 'min' },
    failedTotal: 0,
  };
  const prefs = {
    direction: query.get('dir') ?? undefined,
    log: query.get('log') === '1',
    level: query.get('level') ?? 'info',
  };
  const direction = () => prefs.direction ?? state.defaults.direction ?? 'min';
  const charts = {
    counts: countsChart($('chart-counts')),
    throughput: throughputChart($('chart-throughput')),
    result: resultChart($('chart-result'), () => ({
      log: prefs.log,
      column: state.series?.column,
    })),
  };

  // ---- controls: the column and the level ask the server for other data; the rest is local
  let stop;
  const connect = () => {
    stop?.();
    const q = new URLSearchParams();
    if (query.get('ys')) q.set('ys', query.get('ys'));
    q.set('level', prefs.level);
    stop = follow(`/api/network/${encodeURIComponent(networkId)}/events?${q}`, apply);
  };
  $('ys-select').addEventListener('change', (e) => {
    setQuery('ys', e.target.value);
    connect();
  });
  $('direction-select').addEventListener('change', (e) => {
    prefs.direction = e.target.value;
    setQuery('dir', e.target.value);
    drawResult();
  });
  $('log-scale').checked = prefs.log;
  $('log-scale').addEventListener('change', (e) => {
    prefs.log = e.target.checked;
    setQuery('log', prefs.log ? '1' : null);
    charts.result.rebuild();
    drawResult();
  });
  $('level-select').value = prefs.level;
  $('level-select').addEventListener('change', (e) => {
    prefs.level = e.target.value;
    setQuery('level', prefs.level === 'info' ? null : prefs.level);
    connect();
  });
  setInterval(refreshAges, 1000);
  connect();

  function apply(m) {
    if (m.full) {
      state.fields = m.workerFields ?? state.fields;
      state.defaults = m.defaults ?? state.defaults;
      state.workers.clear();
      state.timeline = emptyTimeline();
      state.series = null;
      $('failed').tBodies[0].replaceChildren();
      $('log').replaceChildren();
      if (m.server) $('server').textContent = m.server;
    }
    if (m.status) showStatus(m.status);
    if (m.counts) showCounts(m.counts);
    if (m.timeline) applyTimeline(m.timeline);
    if (m.workers) applyWorkers(m.workers);
    if (m.columns) showColumns(m.columns);
    if (m.series !== undefined) applySeries(m.series);
    if (m.failed) applyFailed(m.failed);
    if (m.log) applyLog(m.log);
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

  function applyTimeline(t) {
    if (t.replace) state.timeline = emptyTimeline();
    const tl = state.timeline;
    tl.t.push(...t.t.map((ms) => ms / 1000));
    for (const k of TIMELINE) tl[k].push(...t[k]);
    charts.counts.setData([tl.t, tl.queued, tl.running, tl.finished, tl.failed]);
    charts.throughput.setData([tl.t, tl.throughput]);
    const rate = tl.throughput.at(-1);
    setText(
      'count-throughput',
      rate === null || rate === undefined ? '–' : rate.toFixed(rate < 10 ? 1 : 0),
    );
  }

  function applyWorkers(w) {
    for (const cells of w.rows) {
      const row = Object.fromEntries(state.fields.map((f, i) => [f, cells[i]]));
      state.workers.set(row.id, row);
    }
    if (w.ids) {
      state.order = w.ids;
      for (const id of state.workers.keys()) if (!w.ids.includes(id)) state.workers.delete(id);
      const body = $('workers').tBodies[0];
      state.rows = new Map(state.order.map((id) => [id, workerRow()]));
      body.replaceChildren(...state.rows.values());
      for (const id of state.order) fillWorker(id);
    } else {
      for (const cells of w.rows) fillWorker(cells[0]);
    }
  }

  function workerRow() {
    const tr = el('tr');
    for (const cls of ['id', '', 'num', '', '', 'num', 'num', 'ago'])
      tr.append(el('td', { class: cls }));
    return tr;
  }

  function fillWorker(id) {
    const w = state.workers.get(id);
    const tr = state.rows.get(id);
    if (!w || !tr) return;
    const cells = tr.cells;
    cells[0].textContent = id.length > 12 ? `${id.slice(0, 8)}…` : id;
    cells[0].title = id;
    cells[1].textContent = w.host;
    cells[2].textContent = String(w.pid);
    cells[3].textContent = w.state;
    cells[3].className = `state ${w.state}`;
    cells[4].textContent = w.heartbeat ? 'yes' : 'no';
    cells[5].textContent = fmtInt(w.finished);
    cells[6].textContent = fmtInt(w.failed);
    cells[6].className = w.failed > 0 ? 'num bad' : 'num';
    cells[7].dataset.time = w.lastSeen ?? '';
    cells[7].textContent = ago(w.lastSeen);
    tr.dataset.worker = id;
  }

  function refreshAges() {
    for (const td of document.querySelectorAll('#workers td.ago')) {
      if (td.dataset.time) td.textContent = ago(Number(td.dataset.time));
    }
  }

  function showColumns(columns) {
    state.columns = columns;
    const select = $('ys-select');
    const current = state.series?.column ?? query.get('ys') ?? state.defaults.ys;
    const names = current && !columns.includes(current) ? [...columns, current] : columns;
    select.replaceChildren(...names.map((c) => el('option', { value: c, text: c })));
    if (current) select.value = current;
  }

  function applySeries(s) {
    if (s === null) {
      state.series = null;
      drawResult();
      return;
    }
    if (s.replace || !state.series || state.series.column !== s.column) {
      const columnChanged = state.series?.column !== s.column;
      state.series = { ...s, min: [], max: [] };
      if (columnChanged) {
        showColumns(state.columns);
        charts.result.rebuild();
      }
    }
    const cur = state.series;
    cur.min.length = s.start;
    cur.max.length = s.start;
    cur.min.push(...s.min);
    cur.max.push(...s.max);
    Object.assign(cur, { width: s.width, count: s.count, best: s.best });
    drawResult();
  }

  function drawResult() {
    const s = state.series;
    $('direction-select').value = direction();
    const chartEl = $('chart-result');
    if (!s) {
      chartEl.dataset.points = '0';
      setText('result-note', state.columns.length === 0 ? 'No numeric result yet.' : '');
      return;
    }
    const { data, points } = resultData(s, direction());
    const positive = s.min.every((v) => v === null || v > 0);
    $('log-scale').disabled = !positive;
    if (prefs.log && !positive) {
      prefs.log = false;
      $('log-scale').checked = false;
      charts.result.rebuild();
    }
    charts.result.setData(data);
    chartEl.dataset.points = String(points);
    const best = s.best?.[direction()];
    setText('best-label', `Best ${s.column} (${direction()})`);
    setText('best-value', best ? fmtNum(best.value) : '–');
    const where = best
      ? Object.entries(best.row)
          .map(([k, v]) => `${k} = ${typeof v === 'number' ? fmtNum(v) : v}`)
          .join(', ')
      : '';
    setText(
      'best-text',
      best
        ? `best ${fmtNum(best.value)} at evaluation ${fmtInt(best.index)}${where ? ` (${where})` : ''}`
        : '',
    );
    setText(
      'result-note',
      s.count > 0 && points === 0
        ? `No numeric values in column ${s.column} yet.`
        : s.width > 1
          ? `${fmtInt(s.count)} evaluations, downsampled: each point pair is the smallest and largest of ${fmtInt(s.width)} evaluations.`
          : `${fmtInt(s.count)} evaluations.`,
    );
  }

  function applyFailed(f) {
    const body = $('failed').tBodies[0];
    if (f.replace) body.replaceChildren();
    const rows = f.rows.map((r) =>
      el(
        'tr',
        { 'data-key': r.key },
        el('td', { class: 'id', title: r.key, text: `${r.key.slice(0, 8)}…` }),
        el('td', {
          class: 'id',
          title: r.worker_id,
          text: r.worker_id ? `${r.worker_id.slice(0, 8)}…` : '',
        }),
        el('td', { class: 'message', text: r.message }),
        el('td', { class: 'code', text: r.details }),
        el('td', { class: 'code', text: r.xs }),
      ),
    );
    body.prepend(...rows);
    while (body.rows.length > MAX_FAILED) body.lastElementChild.remove();
    state.failedTotal = f.total;
    setText(
      'failed-summary',
      f.total > body.rows.length
        ? `newest ${body.rows.length} of ${fmtInt(f.total)}`
        : `${fmtInt(f.total)}`,
    );
  }

  function applyLog(l) {
    const box = $('log');
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
    if (l.replace) box.replaceChildren();
    box.append(
      ...l.rows.map((r) =>
        el(
          'div',
          { class: `record ${r.level}`, 'data-worker': r.worker_id },
          el('span', { class: 'time', text: clock(r.time) }),
          el('span', { class: 'level', text: r.level.toUpperCase() }),
          el('span', { class: 'worker', title: r.worker_id, text: r.worker_id.slice(0, 8) }),
          el('span', { class: 'logger', text: r.logger }),
          el('span', { class: 'msg', text: r.extra ? `${r.msg} ${r.extra}` : r.msg }),
        ),
      ),
    );
    while (box.childElementCount > MAX_LOG) box.firstElementChild.remove();
    if (atBottom || l.replace) box.scrollTop = box.scrollHeight;
  }
}

function emptyTimeline() {
  return { t: [], queued: [], running: [], finished: [], failed: [], throughput: [] };
}
