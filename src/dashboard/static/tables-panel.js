// The live tables of the network page: workers (a row per worker, updated in place), failed
// tasks (newest first) and the log tail (with its level filter). Text only, never HTML.
import { $, ago, clock, el, fmtInt, query, setQuery, setText } from './util.js';

const MAX_FAILED = 200;
const MAX_LOG = 200;

export function workersPanel() {
  let fields = [];
  const workers = new Map();
  let rows = new Map();

  function workerRow() {
    const tr = el('tr');
    for (const cls of ['id', '', 'num', '', '', 'num', 'num', 'ago'])
      tr.append(el('td', { class: cls }));
    return tr;
  }

  function fill(id) {
    const w = workers.get(id);
    const tr = rows.get(id);
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

  setInterval(() => {
    for (const td of document.querySelectorAll('#workers td.ago'))
      if (td.dataset.time) td.textContent = ago(Number(td.dataset.time));
  }, 1000);

  return {
    apply(m) {
      if (m.full) {
        fields = m.workerFields ?? fields;
        workers.clear();
      }
      if (!m.workers) return;
      for (const cells of m.workers.rows) {
        const row = Object.fromEntries(fields.map((f, i) => [f, cells[i]]));
        workers.set(row.id, row);
      }
      if (m.workers.ids) {
        for (const id of workers.keys()) if (!m.workers.ids.includes(id)) workers.delete(id);
        rows = new Map(m.workers.ids.map((id) => [id, workerRow()]));
        $('workers').tBodies[0].replaceChildren(...rows.values());
        for (const id of m.workers.ids) fill(id);
      } else {
        for (const cells of m.workers.rows) fill(cells[0]);
      }
    },
  };
}

export function failedPanel() {
  return {
    apply(m) {
      const body = $('failed').tBodies[0];
      if (m.full) body.replaceChildren();
      const f = m.failed;
      if (!f) return;
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
      setText(
        'failed-summary',
        f.total > body.rows.length
          ? `newest ${body.rows.length} of ${fmtInt(f.total)}`
          : `${fmtInt(f.total)}`,
      );
    },
  };
}

export function logPanel(ctx) {
  ctx.level = query.get('level') ?? 'info';
  $('level-select').value = ctx.level;
  $('level-select').addEventListener('change', (e) => {
    ctx.level = e.target.value;
    setQuery('level', ctx.level === 'info' ? null : ctx.level);
    ctx.reconnect();
  });
  return {
    apply(m) {
      const box = $('log');
      if (m.full) box.replaceChildren();
      if (m.levels) {
        // The levels come from the server (rushnet's one list).
        const select = $('level-select');
        select.replaceChildren(...m.levels.map((l) => el('option', { value: l, text: l })));
        select.value = ctx.level;
      }
      const l = m.log;
      if (!l) return;
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
    },
  };
}
