/**
 * The dashboard's safety: a token by default, also on 127.0.0.1 (accepted as ?token=, which
 * moves into a SameSite=Strict cookie, as that cookie, or as a Bearer header); requests from
 * pages of other sites refused, also no-cors ones with the token; `token: false` only on
 * loopback, where the Host must be a loopback name; no route writes.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { manager, redisUrl } from '../helpers/network.js';
import { dashboardFor, newPage, PAGE_TIMEOUT_MS, text } from './browser.js';

const poll = { timeout: PAGE_TIMEOUT_MS, interval: 100 };

/** A raw request, so that the Host header can be anything. */
function get(
  origin: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(`${origin}${path}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard safety', () => {
  it('with a token, refuses requests without it and serves the page with it', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }]);
    const token = 'a-secret-token-for-the-test';
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId, token });
    expect(dashboard.url).toContain(`token=${token}`);

    const page = await newPage();
    const refused = await page.goto(`${dashboard.origin}/network/${rush.networkId}`);
    expect(refused?.status()).toBe(401);
    expect(await page.textContent('body')).toContain('needs its token');
    for (const path of [
      '/',
      '/assets/dashboard.js',
      `/api/network/${rush.networkId}/state`,
      '/api/overview',
    ]) {
      expect((await get(dashboard.origin, path)).status).toBe(401);
      const wrong = await get(dashboard.origin, path, { Authorization: 'Bearer wrong-token' });
      expect(wrong.status).toBe(401);
    }
    const bearer = await get(dashboard.origin, `/api/network/${rush.networkId}/state`, {
      Authorization: `Bearer ${token}`,
    });
    expect(bearer.status).toBe(200);
    expect(JSON.parse(bearer.body)).toMatchObject({ full: true, counts: { queued: 1 } });

    // With the token the page loads; the token moves to a cookie and out of the address.
    await page.goto(dashboard.url);
    await expect.poll(() => text(page, '#count-queued'), poll).toBe('1');
    expect(page.url()).not.toContain('token=');
  });

  it('a non-loopback address gets a generated token', async () => {
    const dashboard = await dashboardFor({ config: redisUrl(), host: '0.0.0.0' });
    expect(dashboard.token).toMatch(/^[\w-]{20,}$/);
    expect(dashboard.url).toContain(`?token=${dashboard.token}`);
    const port = new URL(dashboard.origin).port;
    expect((await get(`http://127.0.0.1:${port}`, '/')).status).toBe(401);
  });

  it('without a token answers only to loopback host names, and only to GET', async () => {
    const dashboard = await dashboardFor({ config: redisUrl(), token: false });
    expect(dashboard.token).toBeUndefined();
    expect((await get(dashboard.origin, '/')).status).toBe(200);
    const port = new URL(dashboard.origin).port;
    expect((await get(dashboard.origin, '/', { Host: `localhost:${port}` })).status).toBe(200);
    const rebound = await get(dashboard.origin, '/', { Host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const write = await get(dashboard.origin, '/api/overview', {}, method);
      expect(write.status).toBe(405);
    }
    const page = await get(dashboard.origin, '/');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.body).not.toMatch(/https?:\/\//); // every asset is served by the dashboard
  });

  it('requires a token by default on 127.0.0.1, moving ?token= into a strict cookie', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    expect(dashboard.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dashboard.token).toMatch(/^[\w-]{20,}$/);
    expect(dashboard.url).toBe(
      `${dashboard.origin}/network/${rush.networkId}?token=${dashboard.token}`,
    );
    for (const path of ['/', `/network/${rush.networkId}`, `/api/network/${rush.networkId}/state`])
      expect((await get(dashboard.origin, path)).status).toBe(401);
    // A browser's navigation is redirected (the token moves into a cookie); a script gets the page.
    const tokenPath = `/network/${rush.networkId}?token=${dashboard.token}`;
    expect((await get(dashboard.origin, tokenPath)).status).toBe(200);
    const redirect = await get(dashboard.origin, tokenPath, { 'Sec-Fetch-Mode': 'navigate' });

    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe(`/network/${rush.networkId}`);
    const setCookie = String(redirect.headers['set-cookie']);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/HttpOnly/);
    const cookie = setCookie.split(';')[0]!;
    const withCookie = await get(dashboard.origin, `/api/network/${rush.networkId}/state`, {
      Cookie: cookie,
    });
    expect(withCookie.status).toBe(200);

    const page = await newPage();
    await page.goto(dashboard.url);
    await expect.poll(() => text(page, '#count-queued'), poll).toBe('2');
    expect(page.url()).toBe(`${dashboard.origin}/network/${rush.networkId}`);
    const cookies = await page.context().cookies(dashboard.origin);
    const port = new URL(dashboard.origin).port;
    const mine = cookies.find((c) => c.name === `rushnet_dashboard_${port}`);
    expect(mine).toMatchObject({ value: dashboard.token, httpOnly: true, sameSite: 'Strict' });
    // The page's script cannot read the token.
    expect(await page.evaluate('document.cookie')).not.toContain(dashboard.token);
  });

  it('refuses requests from pages of other sites, also no-cors ones that carry the token', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }]);
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    const target = `${dashboard.origin}/api/network/${rush.networkId}/state?token=${dashboard.token}`;
    // Headers of a browser's cross-site request: refused before the token is looked at.
    const crossSite: Record<string, string>[] = [
      { 'Sec-Fetch-Site': 'cross-site' },
      { 'Sec-Fetch-Site': 'same-site' },
      { Origin: 'http://attacker.example' },
      { Origin: 'null' },
    ];
    for (const headers of crossSite) {
      const r = await get(
        dashboard.origin,
        new URL(target).pathname + new URL(target).search,
        headers,
      );
      expect(r.status).toBe(403);
    }
    const same = await get(dashboard.origin, `/api/network/${rush.networkId}/state`, {
      'Sec-Fetch-Site': 'same-origin',
      Authorization: `Bearer ${dashboard.token}`,
    });
    expect(same.status).toBe(200);

    // What Chromium sends for a no-cors fetch from a page of another origin (another port of
    // 127.0.0.1), recorded by a stand-in server, then sent to the dashboard as it was.
    const recorded: Record<string, string | string[] | undefined>[] = [];
    const recorder = createServer((req, res) => {
      recorded.push(req.headers);
      res.writeHead(204);
      res.end();
    });
    await new Promise<void>((r) => recorder.listen(0, '127.0.0.1', r));
    const path = new URL(target).pathname + new URL(target).search;
    const stand = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}${path}`;
    const evil = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><title>evil</title><script>
        fetch(${JSON.stringify(stand)}, { mode: 'no-cors' });
      </script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    try {
      const page = await newPage();
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      await expect.poll(() => recorded.length, poll).toBe(1);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(recorded[0]!))
        if (typeof v === 'string' && k !== 'host') headers[k] = v;
      expect(headers['sec-fetch-mode']).toBe('no-cors');
      expect(headers.origin).toBeUndefined(); // why a check of Origin alone is not enough
      expect((await get(dashboard.origin, path, headers)).status).toBe(403);
      const { 'sec-fetch-site': _site, ...rest } = headers;
      expect((await get(dashboard.origin, path, rest)).status).toBe(200);
    } finally {
      // The browser keeps its connections open: end them, or close() waits for its timeout.
      for (const server of [evil, recorder]) {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    }
  });

  it('turns the token off only on loopback', async () => {
    await expect(
      dashboardFor({ config: redisUrl(), host: '0.0.0.0', token: false }),
    ).rejects.toThrow(/token.*only on 127\.0\.0\.1/);
  });
});
