/**
 * The dashboard cannot hurt the Redis server it watches: requests for hundreds of network ids
 * (most of them unknown) leave it holding a couple of connections on a server with
 * `maxclients 300`, other clients keep working, unknown networks are 404 without a monitor,
 * event streams are capped with a clear 503, and a full server is named as such.
 */
import { request } from 'node:http';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { DASHBOARD_CONNECTIONS } from '../../src/dashboard/connections.js';
import { MAX_MONITORS } from '../../src/dashboard/pool.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import { MAX_STREAMS_PER_CLIENT } from '../../src/dashboard/streams.js';
import { Rush } from '../../src/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(args: string[]): Promise<RedisServer> {
  const s = await startRedisServer(args);
  cleanups.push(() => s.stop());
  return s;
}

async function dashboard(config: string): Promise<Dashboard> {
  const d = await startDashboard({ config });
  cleanups.push(() => d.close());
  return d;
}

function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1 });
  cleanups.push(async () => void c.disconnect());
  return c;
}

/** A GET with the token; resolves on the response head (streams are left open, then closed). */
function get(
  d: Dashboard,
  path: string,
  keepOpen = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${d.origin}${path}`,
      { headers: { Authorization: `Bearer ${d.token}` } },
      (res) => {
        if (keepOpen && res.statusCode === 200) {
          cleanups.push(async () => void req.destroy());
          resolve({ status: 200, body: '' });
          return;
        }
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function connectedClients(admin: Redis): Promise<number> {
  const info = await admin.info('clients');
  return Number(/connected_clients:(\d+)/.exec(info)![1]);
}

describe('the dashboard’s bounds on Redis', () => {
  it('400 requests for distinct network ids leave a maxclients-300 server usable', async () => {
    const redis = await server(['--maxclients', '300']);
    const known: string[] = [];
    for (let i = 0; i < 40; i++) {
      const rush = await new Rush({ networkId: `bounds-${i}`, config: redis.url }).connect();
      await rush.pushTasks([{ x: i }]);
      await rush.close();
      known.push(rush.networkId);
    }
    const admin = client(redis.url);
    await admin.ping();
    const before = await connectedClients(admin);
    const d = await dashboard(redis.url);

    // 150 unknown ids: 404, no monitor, at most the dashboard's own few connections.
    const unknown = await Promise.all(
      Array.from({ length: 150 }, (_, i) => get(d, `/api/network/nowhere-${i}/state`)),
    );
    expect(unknown.every((r) => r.status === 404)).toBe(true);
    expect(JSON.parse(unknown[0]!.body).status.message).toContain('nowhere-0');
    expect(await connectedClients(admin)).toBeLessThanOrEqual(before + DASHBOARD_CONNECTIONS);

    // 400 distinct ids, 40 of them real networks: the monitors stay bounded, so do connections.
    const ids = [...known, ...Array.from({ length: 360 }, (_, i) => `absent-${i}`)];
    const answers = await Promise.all(ids.map((id) => get(d, `/api/network/${id}/state`)));
    const ok = answers.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(MAX_MONITORS);
    for (const r of ok) expect(JSON.parse(r.body).counts.queued).toBe(1);
    expect(answers.filter((r) => r.status === 404)).toHaveLength(360);
    expect(d.redisConnections()).toBeLessThanOrEqual(DASHBOARD_CONNECTIONS);
    expect(await connectedClients(admin)).toBeLessThanOrEqual(before + DASHBOARD_CONNECTIONS);

    // Others still connect and work.
    const other = await new Rush({ networkId: 'bounds-other', config: redis.url }).connect();
    cleanups.push(() => other.close());
    await other.pushTasks([{ x: 1 }]);
    expect(await other.nQueuedTasks()).toBe(1);
  });

  it('caps the event streams of one client with a clear 503', async () => {
    const redis = await server([]);
    const rush = await new Rush({ networkId: 'streams', config: redis.url }).connect();
    cleanups.push(() => rush.close());
    await rush.pushTasks([{ x: 1 }]);
    const d = await dashboard(redis.url);
    for (let i = 0; i < MAX_STREAMS_PER_CLIENT; i++)
      expect((await get(d, '/api/network/streams/events', true)).status).toBe(200);
    const refused = await get(d, '/api/network/streams/events', true);
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).status.message).toMatch(/Too many event streams/);
    expect(d.redisConnections()).toBeLessThanOrEqual(DASHBOARD_CONNECTIONS);
  });

  it('names a full server (maxclients) instead of "write EPIPE"', async () => {
    const redis = await server(['--maxclients', '3']);
    const rush = await new Rush({ networkId: 'full', config: redis.url }).connect();
    cleanups.push(() => rush.close());
    await rush.pushTasks([{ x: 1 }]);
    const fillers = [client(redis.url), client(redis.url)];
    await Promise.all(fillers.map((c) => c.ping()));
    const d = await dashboard(redis.url);
    const answer = await get(d, '/api/network/full/state');
    expect(answer.status).toBe(503);
    const message = JSON.parse(answer.body).status.message as string;
    expect(message).toMatch(/max number of clients reached/);
    expect(message).not.toMatch(/EPIPE/);
  });

  it('names a refused connection and a wrong password', async () => {
    const redis = await server(['--requirepass', 'right-password']);
    const wrong = await dashboard(redis.url.replace('//', '//:wrong-password@'));
    const denied = await get(wrong, '/api/network/any/state');
    expect(denied.status).toBe(503);
    expect(JSON.parse(denied.body).status.message).toMatch(/authentication failed/);
    expect(denied.body).not.toContain('wrong-password');
    await redis.stop();
    const gone = await dashboard(redis.url);
    const refused = await get(gone, '/api/network/any/state');
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).status.message).toMatch(/connection refused/);
  });
});
