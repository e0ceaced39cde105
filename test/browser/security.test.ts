/**
 * The dashboard's safety: a token-protected dashboard refuses requests without the token (and
 * serves the page with it), a non-loopback address gets a token, a loopback one answers only to
 * loopback host names, and no route writes.
 */
import { request } from 'node:http';
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
    const dashboard = await dashboardFor({ config: redisUrl() });
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
});
