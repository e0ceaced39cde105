/**
 * Server-sent event streams, gzipped (and flushed per message) when the browser accepts it, and
 * bounded: at most MAX_STREAMS_PER_CLIENT open from one address and MAX_STREAMS in all. A
 * stream beyond either bound is refused with 503 and a message that says which bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGzip, type Gzip } from 'node:zlib';

/** Event streams open at once from one client address (docs/dashboard.md). */
export const MAX_STREAMS_PER_CLIENT = 24;
/** Event streams open at once in all. */
export const MAX_STREAMS = 128;
/** How often an idle event stream sends a comment, so proxies keep it open. */
const KEEPALIVE_MS = 15_000;

export interface EventStream {
  send(message: unknown): void;
  blocked(): boolean;
  onDrain(listener: () => void): void;
  onClose(listener: () => void): void;
}

export class StreamLimits {
  readonly #perClient = new Map<string, number>();
  #total = 0;

  constructor(
    readonly perClient = MAX_STREAMS_PER_CLIENT,
    readonly total = MAX_STREAMS,
  ) {}

  /** Streams open now. */
  get count(): number {
    return this.#total;
  }

  /**
   * Opens a stream when both bounds allow, else answers 503 and returns undefined. The stream
   * counts until its connection closes.
   */
  open(req: IncomingMessage, res: ServerResponse): EventStream | undefined {
    const client = req.socket.remoteAddress ?? '';
    const mine = this.#perClient.get(client) ?? 0;
    const refusal =
      mine >= this.perClient
        ? `Too many event streams from this client: ${mine} are open, the limit is ${this.perClient}. Close some dashboard pages and reload.`
        : this.#total >= this.total
          ? `Too many event streams: this dashboard serves at most ${this.total} at once. Try again later.`
          : undefined;
    if (refusal) {
      res.writeHead(503, {
        'Content-Type': 'application/json; charset=utf-8',
        'Retry-After': '10',
      });
      res.end(JSON.stringify({ status: { state: 'error', message: refusal, since: Date.now() } }));
      return undefined;
    }
    this.#perClient.set(client, mine + 1);
    this.#total++;
    res.on('close', () => {
      this.#total--;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    });
    return openStream(req, res);
  }
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
