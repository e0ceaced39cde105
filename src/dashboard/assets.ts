/**
 * The files a dashboard page loads: its own page, script and style (static/, next to this
 * module in src/ and in dist/), and uPlot from node_modules. All are read once, kept in memory
 * with a gzipped copy, and served from rushnet itself: the page needs no internet access.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

interface Asset {
  body: Buffer;
  gzipped: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function asset(path: string): Asset {
  const body = readFileSync(path);
  const type = TYPES[path.slice(path.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
  return { body, gzipped: gzipSync(body), type, etag };
}

export class Assets {
  readonly #files = new Map<string, Asset>();

  constructor() {
    const dir = fileURLToPath(new URL('./static/', import.meta.url));
    // The page's own files (static/), by the name it asks for.
    for (const name of readdirSync(dir)) this.#files.set(name, asset(dir + name));
    const require = createRequire(import.meta.url);
    this.#files.set('uPlot.min.js', asset(require.resolve('uplot/dist/uPlot.iife.min.js')));
    this.#files.set('uPlot.min.css', asset(require.resolve('uplot/dist/uPlot.min.css')));
  }

  has(name: string): boolean {
    return this.#files.has(name);
  }

  /** Sends an asset, gzipped when the client accepts it, 304 when it has it already. */
  send(req: IncomingMessage, res: ServerResponse, name: string): void {
    const file = this.#files.get(name)!;
    res.setHeader('Content-Type', file.type);
    res.setHeader('ETag', file.etag);
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304);
      res.end();
      return;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? file.gzipped : file.body;
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.writeHead(200);
    res.end(body);
  }
}
