// Helpers of the dashboard page: DOM, number and time formatting, the status banner, and the
// event stream with its "live" indicator. Data from the server only ever goes in as text.

export const $ = (id) => document.getElementById(id);

/** An element with text content or children (never HTML from data). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

export function setText(id, text) {
  const node = $(id);
  if (node && node.textContent !== text) node.textContent = text;
}

export function fmtInt(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US');
}

/** A result value: six significant digits, exponent form when very large or small. */
export function fmtNum(v) {
  if (v === null || v === undefined) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-4)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

export function ago(ms) {
  if (!ms) return '–';
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleString();
}

export const clock = (ms) => new Date(ms).toLocaleTimeString();

/** Shows a server status that is not "ok" above the page. */
export function showStatus(status) {
  const banner = $('banner');
  const ok = !status || status.state === 'ok';
  banner.hidden = ok;
  banner.className = `banner ${status?.state ?? ''}`;
  banner.dataset.state = status?.state ?? '';
  if (!ok) banner.textContent = status.message;
}

/** The query of the page's address, and a way to change it without reloading. */
export const query = new URLSearchParams(location.search);
export function setQuery(name, value) {
  if (value === null || value === undefined || value === '') query.delete(name);
  else query.set(name, value);
  const search = query.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

/**
 * Follows an event stream. `onMessage` gets each parsed message; the indicator in the header
 * says when the last one came, and turns to "stale" when they stop. A stream the server refuses
 * (404: no such network, 503: a bound reached) is asked once more for why (`onRefused` gets the
 * status it sends), then tried again a few seconds later.
 */
export function follow(url, onMessage, onRefused = showStatus) {
  const live = $('live');
  let last = 0;
  let broken = false;
  let source;
  let retry;
  const show = () => {
    const age = Date.now() - last;
    if (broken) {
      live.textContent = 'dashboard server unreachable · retrying';
      live.className = 'live down';
    } else if (!last) {
      live.textContent = 'connecting…';
      live.className = 'live';
    } else {
      live.textContent = age > 5000 ? `no update for ${ago(last)}` : `live · ${clock(last)}`;
      live.className = age > 5000 ? 'live stale' : 'live ok';
    }
  };
  const open = () => {
    source = new EventSource(url);
    source.onmessage = (event) => {
      last = Date.now();
      broken = false;
      onMessage(JSON.parse(event.data));
      show();
    };
    source.onerror = () => {
      broken = source.readyState !== EventSource.OPEN;
      show();
      if (source.readyState === EventSource.CLOSED) {
        void whyRefused(url).then((status) => {
          if (status) {
            broken = false;
            onRefused(status);
          }
          retry = setTimeout(open, 3000);
        });
      }
    };
  };
  const timer = setInterval(show, 1000);
  open();
  return () => {
    clearInterval(timer);
    clearTimeout(retry);
    source.close();
  };
}

/** The status a refused request carries (its JSON body), or undefined. */
async function whyRefused(url) {
  const abort = new AbortController();
  try {
    const res = await fetch(url, { signal: abort.signal });
    if (res.ok) return undefined;
    return (await res.json()).status;
  } catch {
    return undefined;
  } finally {
    abort.abort();
  }
}

/**
 * Runs `load` when `due()` says something changed, at most once per `ms`: the panels that
 * ask the server follow the counts without asking more often than that.
 */
export function throttled(load, ms) {
  let last = 0;
  let timer;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(async () => {
      last = Date.now();
      try {
        await load();
      } finally {
        timer = undefined;
      }
    }, wait);
  };
}
