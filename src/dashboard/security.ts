/**
 * Who may read the dashboard (and `rushnet metrics`), checked on every request before anything
 * else happens:
 * - requests made by pages of other sites are refused (their `Origin`, or the browser's
 *   `Sec-Fetch-Site`, says so), also the "no-cors" GETs that a Host check alone lets through;
 * - a server bound to loopback answers only under a loopback Host name (DNS rebinding);
 * - every request carries the token (unless turned off, which only loopback allows): `?token=`
 *   (a page then keeps it in a `SameSite=Strict`, HttpOnly cookie), that cookie, or
 *   `Authorization: Bearer` (what Prometheus sends).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Whether a host name or address is this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A fresh random token (URL-safe, 144 bits). */
export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export type Access = 'ok' | 'ok-from-query' | 'no-token' | 'bad-host' | 'other-site';

export class Gate {
  readonly #token: Buffer | undefined;
  readonly #loopback: boolean;
  readonly cookieName: string;

  /** `token` undefined: no token (only for a loopback `bindHost`, checked by the caller). */
  constructor(token: string | undefined, bindHost: string, port: number) {
    this.#token = token === undefined ? undefined : digest(token);
    this.#loopback = isLoopback(bindHost);
    // Cookies ignore ports: one name per port keeps two dashboards on one host apart.
    this.cookieName = `rushnet_dashboard_${port}`;
  }

  #matches(candidate: string | undefined): boolean {
    return candidate !== undefined && timingSafeEqual(digest(candidate), this.#token!);
  }

  check(req: IncomingMessage, url: URL): Access {
    const host = String(req.headers.host ?? '');
    if (fromOtherSite(req, host)) return 'other-site';
    if (this.#loopback && !isLoopback(host.replace(/:\d+$/, ''))) return 'bad-host';
    if (!this.#token) return 'ok';
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (this.#matches(bearer) || this.#matches(cookie(req, this.cookieName))) return 'ok';
    return this.#matches(url.searchParams.get('token') ?? undefined) ? 'ok-from-query' : 'no-token';
  }

  /** The cookie that carries the token for the page's own requests. */
  cookie(token: string): string {
    return `${this.cookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

/**
 * Whether a browser made this request for a page of another site (another host or port). A
 * browser says so in `Sec-Fetch-Site` (also for no-cors requests, images, scripts) and in
 * `Origin` (which it sends with every cross-origin request but simple navigations). Requests
 * from programs (curl, Prometheus) carry neither.
 */
function fromOtherSite(req: IncomingMessage, host: string): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  // Pages of opaque origins (sandboxed frames, file: URLs) send the text "null".
  return origin !== `http://${host}` && origin !== `https://${host}`;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Headers on every response: no framing, no sniffing, no leaking the URL, only own assets. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  );
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

const REFUSALS: Record<Exclude<Access, 'ok' | 'ok-from-query'>, [number, string]> = {
  'bad-host': [403, 'This dashboard answers only to localhost, 127.0.0.1 or [::1].'],
  'other-site': [
    403,
    'Requests from other sites are refused: open the address that rushnet printed directly.',
  ],
  'no-token': [
    401,
    'This dashboard needs its token: open the address that rushnet printed (it ends in ?token=…), or send Authorization: Bearer <token>.',
  ],
};

/** Answers a request the gate refused. */
export function refuse(res: ServerResponse, access: Access, wantsHtml: boolean): void {
  const [status, text] = REFUSALS[access as keyof typeof REFUSALS];
  if (wantsHtml) {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
    const html = text.replace(/</g, '&lt;').replace(/>/g, '&gt;');
    res.end(`<!doctype html><meta charset="utf-8"><title>rushnet dashboard</title><p>${html}</p>`);
  } else {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  }
}
