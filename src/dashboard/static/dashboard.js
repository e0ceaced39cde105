// Entry of the dashboard page: /network/<id> shows that network, / the networks on the server.
import { startNetwork } from './network.js';
import { startOverview } from './overview.js';

const match = /^\/network\/([^/]+)$/.exec(location.pathname);
if (match) startNetwork(decodeURIComponent(match[1]));
else startOverview();
