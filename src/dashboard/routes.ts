/**
 * The dashboard's routes. Every request passes the gate first (other sites, Host, token); every
 * route is a GET that only reads. A network's routes answer 404 for a network that does not
 * exist without making anything for it, and 503 when the dashboard's bounds are reached.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RushConfigError, RushInputError } from '../errors.js';
import type { Assets } from './assets.js';
import type { SharedConnections } from './connections.js';
import { readOptimization, readTiming } from './insights.js';
import { LEVELS } from './log-tail.js';
import { buildMessage, type Cursor, type Defaults, type Prefs } from './messages.js';
import { METRICS_CONTENT_TYPE, monitorMetrics, renderMetrics } from './metrics.js';
import type { NetworkMonitor } from './monitor.js';
import type { Overview } from './overview.js';
import { type MonitorPool, NoSuchNetwork, PoolFull } from './pool.js';
import { nameFailure } from './redis-failure.js';
import { type Gate, refuse, setSecurityHeaders } from './security.js';
import type { StreamLimits } from './streams.js';
import { readTask, readTaskPage } from './task-browser.js';

export interface RouteContext {
  gate: Gate;
  token: string | undefined;
  pool: MonitorPool;
  connections: SharedConnections;
  overview: Overview;
  assets: Assets;
  limits: StreamLimits;
  defaults: Defaults;
  /** The network the dashboard was started for (its /metrics default). */
  network?: string;
  /** Serve /metrics only (`rushnet metrics`). */
  metricsOnly: boolean;
}

const NETWORK_ROUTE = /^\/api\/network\/([^/]+)\/(events|state|tasks|task|timing|optimize)$/;

/** Answers one request. */
export function handle(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  setSecurityHeaders(res);
  const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
  const path = url.pathname;
  const page = path === '/' || /^\/network\/[^/]+$/.test(path);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' });
    res.end('read-only: only GET is served\n');
    return;
  }
  const access = ctx.gate.check(req, url);
  if (access !== 'ok' && access !== 'ok-from-query') {
    refuse(res, access, page);
    return;
  }
  if (ctx.metricsOnly && path !== '/metrics') {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('rushnet metrics: the metrics are at /metrics\n');
    return;
  }
  if (access === 'ok-from-query' && page && req.headers['sec-fetch-mode'] === 'navigate') {
    // A browser opening the printed address: keep the token in a cookie and take it out of the
    // address bar. (Other clients, such as scripts, get the page itself.)
    url.searchParams.delete('token');
    res.writeHead(303, {
      'Set-Cookie': ctx.gate.cookie(ctx.token!),
      Location: `${path}${url.search}`,
    });
    res.end();
    return;
  }
  const asset = /^\/assets\/([\w.-]+)$/.exec(path)?.[1];
  const network = NETWORK_ROUTE.exec(path);
  if (page) {
    // The page's own requests then carry the token (browsers without Sec-Fetch-Mode).
    if (access === 'ok-from-query') res.setHeader('Set-Cookie', ctx.gate.cookie(ctx.token!));
    ctx.assets.send(req, res, 'page.html');
  } else if (asset && ctx.assets.has(asset)) ctx.assets.send(req, res, asset);
  else if (path === '/api/overview') streamOverview(ctx, req, res);
  else if (path === '/metrics') void answer(res, () => metrics(ctx, url));
  else if (network) void networkRoute(ctx, req, res, decode(network[1]!), network[2]!, url);
  else if (path === '/favicon.ico') {
    res.writeHead(204);
    res.end();
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  }
}

/** A failure as an HTTP status and a status object the page shows. */
function failure(error: unknown): [number, { state: string; message: string; since: number }] {
  const since = Date.now();
  if (error instanceof NoSuchNetwork)
    return [404, { state: 'empty', message: error.message, since }];
  if (error instanceof RushInputError)
    return [400, { state: 'error', message: error.message, since }];
  if (error instanceof PoolFull) return [503, { state: 'error', message: error.message, since }];
  const state = error instanceof RushConfigError ? 'unreachable' : 'error';
  return [503, { state, message: nameFailure(error), since }];
}

/** Runs a route that returns a body (JSON unless it is text), answering its failure instead. */
async function answer(
  res: ServerResponse,
  run: () => Promise<unknown>,
  type = 'application/json; charset=utf-8',
): Promise<void> {
  try {
    const body = await run();
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': typeof body === 'string' ? METRICS_CONTENT_TYPE : type });
    res.end(text);
  } catch (error) {
    const [status, body] = failure(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ status: body }));
  }
}

async function networkRoute(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  networkId: string,
  what: string,
  url: URL,
): Promise<void> {
  let monitor: NetworkMonitor;
  try {
    monitor = await ctx.pool.acquire(networkId);
  } catch (error) {
    return answer(res, () => Promise.reject(error));
  }
  const prefs = prefsOf(url);
  if (what === 'events') return streamNetwork(ctx, req, res, monitor, prefs);
  if (what === 'tasks') return answer(res, () => readTaskPage(monitor, url.searchParams));
  if (what === 'task') return answer(res, () => readTask(monitor, url.searchParams.get('key')));
  if (what === 'timing') return answer(res, async () => readTiming(await monitor.fresh()));
  if (what === 'optimize')
    return answer(res, async () => {
      await monitor.fresh();
      const column = prefs.ys || ctx.defaults.ys || monitor.columns[0];
      const dir = url.searchParams.get('dir') === 'max' ? 'max' : 'min';
      return readOptimization(
        monitor,
        column,
        url.searchParams.get('dir') ? dir : ctx.defaults.direction,
      );
    });
  // state: one full message as JSON, for scripts, after a first read of the network
  return answer(res, async () => {
    await monitor.fresh();
    return buildMessage(monitor, prefs, ctx.defaults, undefined).message;
  });
}

function prefsOf(url: URL): Prefs {
  const level = url.searchParams.get('level') ?? 'info';
  return {
    ys: url.searchParams.get('ys') || undefined,
    level: (LEVELS as readonly string[]).includes(level) ? level : 'info',
  };
}

function streamNetwork(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  monitor: NetworkMonitor,
  prefs: Prefs,
): void {
  const stream = ctx.limits.open(req, res);
  if (!stream) return;
  let cursor: Cursor | undefined;
  const send = () => {
    if (stream.blocked()) return; // it catches up after 'drain'
    const built = buildMessage(monitor, prefs, ctx.defaults, cursor);
    cursor = built.cursor;
    if (built.message) stream.send(built.message);
  };
  stream.onDrain(send);
  const unsubscribe = monitor.subscribe(send);
  send();
  stream.onClose(unsubscribe);
}

function streamOverview(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  const stream = ctx.limits.open(req, res);
  if (!stream) return;
  let last = '';
  const send = () => {
    const text = JSON.stringify(ctx.overview.state);
    if (text === last || stream.blocked()) return;
    last = text;
    stream.send(ctx.overview.state);
  };
  stream.onDrain(send);
  const unsubscribe = ctx.overview.subscribe(send);
  send();
  stream.onClose(unsubscribe);
}

/**
 * /metrics: the network the dashboard was started for (or `?network=`) in full; without one,
 * the task and worker counts of every network on the server.
 */
async function metrics(ctx: RouteContext, url: URL): Promise<string> {
  const networkId = url.searchParams.get('network') || ctx.network;
  const quick = await ctx.connections.get('quick');
  if (!networkId) {
    const { networks } = await ctx.overview.read();
    return renderMetrics(
      networks.flatMap((n) => (n.counts ? [{ network: n.id, counts: n.counts }] : [])),
    );
  }
  const monitor = await ctx.pool.acquire(networkId);
  await monitor.fresh();
  if (monitor.status.state === 'unreachable' || monitor.status.state === 'error')
    throw new RushConfigError(monitor.status.message);
  const one = await monitorMetrics(monitor, quick);
  return renderMetrics(one ? [one] : []);
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
