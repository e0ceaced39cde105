/**
 * The dashboard's HTTP server (`rushnet dashboard`) and the metrics-only server (`rushnet
 * metrics`): the same gate (token, other sites, Host), the same bounded Redis connections and
 * monitors; routes.ts answers the requests.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { RushInputError } from '../errors.js';
import type { RedisConfig } from '../index.js';
import { Assets } from './assets.js';
import { SharedConnections } from './connections.js';
import { Overview } from './overview.js';
import { MonitorPool } from './pool.js';
import { handle, type RouteContext } from './routes.js';
import { Gate, isLoopback, newToken } from './security.js';
import { StreamLimits } from './streams.js';

export interface DashboardOptions {
  /** The Redis server. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /** A network to watch from the start; the address points at its page. */
  network?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /**
   * Required from every request. `false` turns the token off, which only a loopback `host`
   * allows. @default a new random token
   */
  token?: string | false;
  /** The result column charted unless the page's URL says. */
  ys?: string;
  /** Whether smaller or larger results are better. @default 'min' */
  direction?: 'min' | 'max';
  /** Seconds between reads of a watched network. @default 1 */
  interval?: number;
  /** Serve only /metrics (what `rushnet metrics` runs). */
  metricsOnly?: boolean;
}

export interface Dashboard {
  /** The address to open: the network's page (or the overview), with the token if any. */
  readonly url: string;
  /** `http://host:port` */
  readonly origin: string;
  readonly token: string | undefined;
  /** Where the dashboard reads from, password hidden. */
  readonly redis: string;
  /** Redis connections open now (at most DASHBOARD_CONNECTIONS). */
  redisConnections(): number;
  /** Bytes written to all connections so far (headers included). */
  bytesSent(): number;
  close(): Promise<void>;
}

/** The token to require. @throws RushInputError for `false` on a host other than loopback */
function tokenFor(token: string | false | undefined, host: string): string | undefined {
  if (token === false) {
    if (!isLoopback(host))
      throw new RushInputError(
        'token',
        `can be turned off only on 127.0.0.1 (localhost), not on ${host}: anyone who reaches ${host} could read the network`,
      );
    return undefined;
  }
  return token ?? newToken();
}

/** Starts a dashboard server. @throws RushInputError for a malformed network id or token setting */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = tokenFor(options.token, host);
  const connections = new SharedConnections(options.config);
  const pool = new MonitorPool(connections, {
    intervalMs: (options.interval ?? 1) * 1000,
    ys: options.ys,
    readLogs: !options.metricsOnly,
  });
  if (options.network) pool.pin(options.network);
  const overview = new Overview(connections);
  const ctx: Omit<RouteContext, 'gate'> = {
    token,
    pool,
    connections,
    overview,
    assets: new Assets(),
    limits: new StreamLimits(),
    defaults: { ys: options.ys, direction: options.direction ?? 'min' },
    network: options.network,
    metricsOnly: options.metricsOnly ?? false,
  };
  let gate: Gate | undefined;
  const route = (req: IncomingMessage, res: ServerResponse) =>
    handle({ ...ctx, gate: gate! }, req, res);
  const { server, port, bytesSent, sockets } = await listen(host, options.port ?? 0, route);
  gate = new Gate(token, host, port);
  const shownHost = host === '0.0.0.0' || host === '::' ? hostname() : host;
  const origin = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  const path = options.metricsOnly
    ? '/metrics'
    : options.network
      ? `/network/${encodeURIComponent(options.network)}`
      : '/';
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${path}${query}`,
    origin,
    token,
    redis: connections.where,
    redisConnections: () => connections.size,
    bytesSent,
    close: () => {
      closing ??= (async () => {
        overview.close();
        const closed = new Promise((r) => server.close(r));
        for (const socket of sockets) socket.destroy();
        await Promise.all([closed, pool.close()]);
        await connections.close();
      })();
      return closing;
    },
  };
}

/** An HTTP server listening on host:port, answering errors of a route with one line. */
async function listen(
  host: string,
  port: number,
  route: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`${error instanceof Error ? error.message.split('\n')[0] : 'error'}\n`);
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closedBytes += socket.bytesWritten;
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    sockets,
    port: (server.address() as AddressInfo).port,
    bytesSent: () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
  };
}
