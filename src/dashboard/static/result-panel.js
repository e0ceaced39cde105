// The result panel and the "best" card: a numeric result column over the evaluations, with the
// best so far. The log axis is chosen by itself when the results are positive and span
// decades (so the best-so-far line does not sit on the bottom), unless the address says.
import { resultChart, resultData, spansDecades } from './charts.js';
import { $, el, fmtInt, fmtNum, query, setQuery, setText } from './util.js';

export function resultPanel(ctx) {
  const prefs = {
    direction: query.get('dir') ?? undefined,
    // '1' or '0' when chosen on the page, else automatic
    log: query.get('log'),
  };
  const state = { series: null, columns: [] };
  const direction = () => prefs.direction ?? ctx.defaults.direction ?? 'min';
  let logNow = prefs.log === '1';
  const chart = resultChart($('chart-result'), () => ({
    log: logNow,
    column: state.series?.column,
  }));

  $('ys-select').addEventListener('change', (e) => {
    setQuery('ys', e.target.value);
    ctx.reconnect();
  });
  $('direction-select').addEventListener('change', (e) => {
    prefs.direction = e.target.value;
    setQuery('dir', e.target.value);
    draw();
  });
  $('log-scale').addEventListener('change', (e) => {
    prefs.log = e.target.checked ? '1' : '0';
    setQuery('log', prefs.log);
    draw();
  });

  function showColumns(columns) {
    state.columns = columns;
    const select = $('ys-select');
    const current = state.series?.column ?? query.get('ys') ?? ctx.defaults.ys;
    const names = current && !columns.includes(current) ? [...columns, current] : columns;
    select.replaceChildren(...names.map((c) => el('option', { value: c, text: c })));
    if (current) select.value = current;
  }

  function applySeries(s) {
    if (s === null) {
      state.series = null;
      draw();
      return;
    }
    if (s.replace || !state.series || state.series.column !== s.column) {
      const columnChanged = state.series?.column !== s.column;
      state.series = { ...s, min: [], max: [] };
      if (columnChanged) {
        showColumns(state.columns);
        chart.rebuild();
      }
    }
    const cur = state.series;
    cur.min.length = s.start;
    cur.max.length = s.start;
    cur.min.push(...s.min);
    cur.max.push(...s.max);
    Object.assign(cur, { width: s.width, count: s.count, best: s.best });
    draw();
  }

  function draw() {
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
    const wanted = prefs.log === null ? spansDecades([...s.min, ...s.max]) : prefs.log === '1';
    const log = wanted && positive;
    $('log-scale').disabled = !positive;
    $('log-scale').checked = log;
    if (log !== logNow) {
      logNow = log;
      chart.rebuild();
    }
    chart.setData(data);
    chartEl.dataset.points = String(points);
    chartEl.dataset.log = log ? '1' : '0';
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

  return {
    apply(m) {
      if (m.full) state.series = null;
      if (m.columns) showColumns(m.columns);
      if (m.series !== undefined) applySeries(m.series);
    },
    direction,
    column: () => state.series?.column,
  };
}
