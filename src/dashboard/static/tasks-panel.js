// The task browser: filter by state, search by key or by a value, page through (newest
// first), and open one task's full record: inputs, outputs, extras, condition with its stack,
// timestamps and tries. Read-only; every value is shown as text.
import { $, clock, el, fmtInt, setText, throttled } from './util.js';

/** Reads at most this often while the counts change. */
const REFRESH_MS = 3000;

export function tasksPanel(ctx) {
  const view = { state: 'all', q: '', page: 0, total: 0, size: 50, open: null };
  let searchDelay;

  async function load() {
    const page = await ctx.get('tasks', { state: view.state, q: view.q, page: view.page });
    if (page) show(page);
  }

  function show(page) {
    Object.assign(view, { total: page.total, size: page.size });
    const body = $('tasks').tBodies[0];
    body.replaceChildren(
      ...page.rows.map((r) => {
        const tr = el(
          'tr',
          { 'data-key': r.key, 'data-state': r.state },
          el('td', { class: 'id', title: r.key, text: r.key }),
          el('td', { class: `state ${r.state}`, text: r.state }),
          el('td', { class: 'id', title: r.worker_id, text: r.worker_id.slice(0, 8) }),
          el('td', { class: 'code', text: r.xs }),
          el('td', { class: 'code', text: r.ys }),
          el('td', { class: 'message', text: r.message }),
          el('td', { class: 'num', text: r.duration === null ? '' : `${r.duration.toFixed(2)} s` }),
        );
        if (r.key === view.open) tr.classList.add('open');
        tr.addEventListener('click', () => void openTask(r.key));
        return tr;
      }),
    );
    const first = page.total === 0 ? 0 : page.page * page.size + 1;
    const last = Math.min(page.total, (page.page + 1) * page.size);
    setText(
      'tasks-range',
      `${fmtInt(first)}–${fmtInt(last)} of ${fmtInt(page.total)}${page.truncated ? ' (values of the newest tasks searched)' : ''}`,
    );
    $('tasks-prev').disabled = page.page === 0;
    $('tasks-next').disabled = last >= page.total;
  }

  async function openTask(key) {
    const record = await ctx.get('task', { key });
    if (!record) return;
    view.open = key;
    for (const tr of $('tasks').tBodies[0].rows)
      tr.classList.toggle('open', tr.dataset.key === key);
    $('task-record').hidden = false;
    $('task-record').dataset.key = key;
    setText('record-title', `Task ${key}`);
    setText('record-state', record.state);
    const times = $('record-times');
    times.replaceChildren();
    for (const [name, ms] of Object.entries(record.times))
      times.append(
        el('dt', { text: name }),
        el('dd', { text: `${new Date(ms).toLocaleDateString()} ${clock(ms)} (${ms})` }),
      );
    if (record.times.started_at && record.times.finished_at)
      times.append(
        el('dt', { text: 'duration' }),
        el('dd', {
          text: `${((record.times.finished_at - record.times.started_at) / 1000).toFixed(3)} s`,
        }),
      );
    const fields = $('record-fields');
    fields.replaceChildren(
      ...Object.entries(record.fields)
        .filter(([name]) => !name.endsWith('_at'))
        .flatMap(([name, text]) => [
          el('h3', { text: name }),
          el('pre', { 'data-field': name, text: conditionText(name, text) }),
        ]),
    );
  }

  /** A condition's stack reads better with its line breaks. */
  function conditionText(name, text) {
    if (name !== 'condition') return text;
    try {
      const c = JSON.parse(text);
      if (typeof c.stack === 'string') {
        const { stack, ...rest } = c;
        return `${JSON.stringify(rest, null, 2)}\n\nstack:\n${stack}`;
      }
    } catch {
      // shown as it came
    }
    return text;
  }

  $('tasks-state').addEventListener('change', (e) => {
    Object.assign(view, { state: e.target.value, page: 0 });
    void load();
  });
  $('tasks-search').addEventListener('input', (e) => {
    clearTimeout(searchDelay);
    searchDelay = setTimeout(() => {
      Object.assign(view, { q: e.target.value.trim(), page: 0 });
      void load();
    }, 300);
  });
  $('tasks-prev').addEventListener('click', () => {
    view.page = Math.max(0, view.page - 1);
    void load();
  });
  $('tasks-next').addEventListener('click', () => {
    view.page += 1;
    void load();
  });
  $('record-close').addEventListener('click', () => {
    view.open = null;
    $('task-record').hidden = true;
    for (const tr of $('tasks').tBodies[0].rows) tr.classList.remove('open');
  });

  const refresh = throttled(load, REFRESH_MS);
  let seen;
  return {
    apply(m) {
      if (m.full) seen = undefined;
      if (!m.counts) return;
      const now = `${m.counts.queued} ${m.counts.running} ${m.counts.finished} ${m.counts.failed}`;
      if (now !== seen) {
        seen = now;
        refresh();
      }
    },
  };
}
