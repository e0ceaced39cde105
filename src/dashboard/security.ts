/**
 * Who may read the dashboard. Without a token only loopback addresses are served, and only
 * under a loopback Host name (so a web page cannot reach it through DNS rebinding). With a
 * token every request must carry it: `?token=` once (the page then keeps it in a cookie),
 * the cookie, or `Authorization: Bearer`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** Whether a host name or address is this machine only. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A fresh random token (URL-safe). */
export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

export type Access = 'ok' | 'ok-from-query' | 'no-token' | 'bad-host';

export class Gate {
  readonly #token: Buffer | undefined;
  readonly cookieName: string;

  constructor(token: string | undefined, port: number) {
    this.#token = token === undefined ? undefined : digest(token);
    // Cookies ignore ports: one name per port keeps two dashboards on one host apart.
    this.cookieName = `rushnet_dashboard_${port}`;
  }

  #matches(candidate: string | undefined): boolean {
    return candidate !== undefined && timingSafeEqual(digest(candidate), this.#token!);
  }

  check(req: IncomingMessage, url: URL): Access {
    if (!this.#token) {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      return isLoopback(host) ? 'ok' : 'bad-host';
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (this.#matches(bearer) || this.#matches(cookie(req, this.cookieName))) return 'ok';
    return this.#matches(url.searchParams.get('token') ?? undefined) ? 'ok-from-query' : 'no-token';
  }

  /** The cookie that carries the token for the page's own requests. */
  cookie(token: string): string {
    return `${this.cookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`;
  }
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
}

/** Answers a request the gate refused. */
export function refuse(res: ServerResponse, access: Access, wantsHtml: boolean): void {
  const text =
    access === 'bad-host'
      ? 'This dashboard answers only to localhost, 127.0.0.1 or [::1].'
      : 'This dashboard needs its token: open the address that `rushnet dashboard` printed (it ends in ?token=…).';
  const status = access === 'bad-host' ? 403 : 401;
  if (wantsHtml) {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><meta charset="utf-8"><title>rushnet dashboard</title><p>${text.replace(/`/g, '')}</p>`,
    );
  } else {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`${text}\n`);
  }
}
