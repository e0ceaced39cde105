/**
 * The dashboard's HTTP server: the pages, their assets, and one event stream per page (server-
 * sent events, gzipped when the browser accepts it). Every route is a GET that only reads.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { hostname } from 'node:os';
import { createGzip, type Gzip } from 'node:zlib';
import { redacted } from '../cli/common.js';
import { type RedisConfig, Rush } from '../index.js';
import { Assets } from './assets.js';
import { LEVELS } from './log-tail.js';
import { buildMessage, type Cursor, type Defaults, type Prefs } from './messages.js';
import { Overview, Registry } from './overview.js';
import { Gate, isLoopback, newToken, refuse, setSecurityHeaders } from './security.js';

export interface DashboardOptions {
  /** The Redis server. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /** A network to watch from the start; the address points at its page. */
  network?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Required from every request. @default none on loopback, else a new random token */
  token?: string;
  /** The result column charted unless the page's URL says. */
  ys?: string;
  /** Whether smaller or larger results are better. @default 'min' */
  direction?: 'min' | 'max';
  /** Seconds between reads of a watched network. @default 1 */
  interval?: number;
}

export interface Dashboard {
  /** The address to open: the network's page (or the overview), with the token if any. */
  readonly url: string;
  /** `http://host:port` */
  readonly origin: string;
  readonly token: string | undefined;
  /** Where the dashboard reads from, password hidden. */
  readonly redis: string;
  /** Bytes written to all connections so far (headers included). */
  bytesSent(): number;
  close(): Promise<void>;
}

/** How often an idle event stream sends a comment, so proxies keep it open. */
const KEEPALIVE_MS = 15_000;

/** Starts a dashboard server. @throws RushInputError for a malformed network id */
export async function startDashboard(options: DashboardOptions = {}): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? (isLoopback(host) ? undefined : newToken());
  const defaults: Defaults = { ys: options.ys, direction: options.direction ?? 'min' };
  const where = redacted(new Rush({ networkId: 'dashboard', config: options.config }).config);
  const registry = new Registry(options.config, (options.interval ?? 1) * 1000, options.ys);
  if (options.network) registry.get(options.network, true);
  const overview = new Overview(registry, where);
  const assets = new Assets();
  const sockets = new Set<Socket>();
  let closedBytes = 0;
  let gate: Gate;

  const server = createServer((req, res) => {
    try {
      handle(req, res);
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

  function handle(req: IncomingMessage, res: ServerResponse): void {
    setSecurityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
    const path = url.pathname;
    const page = path === '/' || /^\/network\/[^/]+$/.test(path);
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' });
      res.end('read-only: only GET is served\n');
      return;
    }
    const access = gate.check(req, url);
    const asset = /^\/assets\/([\w.-]+)$/.exec(path)?.[1];
    const network = /^\/api\/network\/([^/]+)\/(events|state)$/.exec(path);
    if (access === 'no-token' || access === 'bad-host') refuse(res, access, page);
    else if (access === 'ok-from-query' && page) {
      // Keep the token in a cookie and take it out of the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, { 'Set-Cookie': gate.cookie(token!), Location: `${path}${url.search}` });
      res.end();
    } else if (page) assets.send(req, res, 'page.html');
    else if (asset && assets.has(asset)) assets.send(req, res, asset);
    else if (path === '/api/overview') streamOverview(req, res);
    else if (network) streamNetwork(req, res, decode(network[1]!), url, network[2] === 'state');
    else if (path === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found\n');
    }
  }

  function streamNetwork(
    req: IncomingMessage,
    res: ServerResponse,
    networkId: string,
    url: URL,
    once: boolean,
  ): void {
    const level = url.searchParams.get('level') ?? 'info';
    const prefs: Prefs = {
      ys: url.searchParams.get('ys') || undefined,
      level: (LEVELS as readonly string[]).includes(level) ? level : 'info',
    };
    let monitor: ReturnType<Registry['get']>;
    try {
      monitor = registry.get(networkId);
    } catch (error) {
      const message = `Not a network id: ${error instanceof Error ? error.message : error}`;
      const status = { state: 'error', message, since: Date.now() };
      if (once) json(res, { full: true, network: networkId, status });
      else openStream(req, res).send({ full: true, network: networkId, status });
      return;
    }
    if (once) {
      // One full message as JSON, for scripts: waits for a first read of the network.
      const unsubscribe = monitor.subscribe(() => {
        if (monitor.status.state === 'connecting') return;
        unsubscribe();
        json(res, buildMessage(monitor, prefs, defaults, undefined).message);
      });
      return;
    }
    const stream = openStream(req, res);
    let cursor: Cursor | undefined;
    const send = () => {
      if (stream.blocked()) return; // it catches up after 'drain'
      const built = buildMessage(monitor, prefs, defaults, cursor);
      cursor = built.cursor;
      if (built.message) stream.send(built.message);
    };
    stream.onDrain(send);
    const unsubscribe = monitor.subscribe(send);
    send();
    stream.onClose(unsubscribe);
  }

  function streamOverview(req: IncomingMessage, res: ServerResponse): void {
    const stream = openStream(req, res);
    let last = '';
    const send = () => {
      const text = JSON.stringify(overview.state);
      if (text === last || stream.blocked()) return;
      last = text;
      stream.send(overview.state);
    };
    stream.onDrain(send);
    const unsubscribe = overview.subscribe(send);
    send();
    stream.onClose(unsubscribe);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  gate = new Gate(token, port);
  const shownHost = host === '0.0.0.0' || host === '::' ? hostname() : host;
  const origin = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const query = new URLSearchParams();
  if (token) query.set('token', token);
  const path = options.network ? `/network/${encodeURIComponent(options.network)}` : '/';
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}${path}${query.size > 0 ? `?${query}` : ''}`,
    origin,
    token,
    redis: where,
    bytesSent: () => closedBytes + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    close: () => {
      closing ??= (async () => {
        overview.close();
        const closed = new Promise((r) => server.close(r));
        for (const socket of sockets) socket.destroy();
        await Promise.all([closed, registry.close()]);
      })();
      return closing;
    },
  };
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

interface EventStream {
  send(message: unknown): void;
  blocked(): boolean;
  onDrain(listener: () => void): void;
  onClose(listener: () => void): void;
}

/** Starts a server-sent event stream, gzipped (and flushed per message) when accepted. */
function openStream(req: IncomingMessage, res: ServerResponse): EventStream {
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  });
  const out: Gzip | ServerResponse = gzip ? createGzip() : res;
  if (gzip) (out as Gzip).pipe(res);
  let blocked = false;
  const write = (text: string) => {
    if (res.destroyed) return;
    if (!out.write(text)) blocked = true;
    if (gzip) (out as Gzip).flush();
  };
  write('retry: 2000\n\n');
  const keepalive = setInterval(() => write(': keepalive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const closers: (() => void)[] = [() => clearInterval(keepalive)];
  res.on('close', () => {
    for (const close of closers) close();
    if (gzip) (out as Gzip).destroy();
  });
  return {
    send: (message) => write(`data: ${JSON.stringify(message)}\n\n`),
    blocked: () => blocked,
    onDrain: (listener) =>
      out.on('drain', () => {
        blocked = false;
        listener();
      }),
    onClose: (listener) => closers.push(listener),
  };
}
