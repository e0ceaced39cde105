// The overview: the networks on the Redis server with their counts, each linking to its page.
import { $, el, fmtInt, follow, showStatus } from './util.js';

export function startOverview() {
  $('overview-view').hidden = false;
  document.title = 'rushnet dashboard';
  follow('/api/overview', (state) => {
    showStatus(state.status);
    if (state.server) $('server').textContent = state.server;
    const body = $('networks').tBodies[0];
    body.replaceChildren(
      ...state.networks.map(({ id, counts: c }) => {
        const link = el('a', { href: `/network/${encodeURIComponent(id)}`, text: id });
        const cells = c
          ? [c.runningWorkers, c.terminatedWorkers, c.queued, c.running, c.finished, c.failed]
          : [null, null, null, null, null, null];
        return el(
          'tr',
          { 'data-network': id },
          el('td', {}, link),
          ...cells.map((n) => el('td', { class: 'num', text: fmtInt(n) })),
        );
      }),
    );
    const note =
      state.status.state !== 'ok'
        ? ''
        : state.networks.length === 0
          ? 'No rush networks on this server yet.'
          : state.more > 0
            ? `${state.more} more networks are not shown.`
            : '';
    $('networks-note').textContent = note;
  });
}
