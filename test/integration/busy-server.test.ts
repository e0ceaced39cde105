/**
 * A server held by another client's long script answers BUSY: rushnet's calls wait (resent
 * after a reconnect with backoff) instead of failing.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rush, RushWorker } from '../../src/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
  const admin = new Redis(server.url);
  await admin.config('SET', 'busy-reply-threshold', '50');
  admin.disconnect();
});

afterAll(async () => {
  await server?.stop();
});

/** A script that holds the server for `ms` milliseconds. */
const HOLD = `
local t = redis.call('TIME')
while true do
  local n = redis.call('TIME')
  if (n[1] - t[1]) * 1000000 + (n[2] - t[2]) > tonumber(ARGV[1]) * 1000 then return 1 end
end`;

describe('a busy server', () => {
  it('makes rushnet wait, not fail', async () => {
    const networkId = `busy-${Date.now()}`;
    const rush = await new Rush({ networkId, config: server.url }).connect();
    const worker = await RushWorker.create({ networkId, config: server.url });
    const holder = new Redis(server.url);
    const probe = new Redis(server.url, { maxRetriesPerRequest: 0 });
    try {
      const held = holder.eval(HOLD, 0, 1500);
      // Wait until the server answers BUSY.
      for (let i = 0; ; i++) {
        const reply = await probe.ping().catch((e: Error) => e.message);
        if (String(reply).startsWith('BUSY')) break;
        if (i > 200) throw new Error('the server never got busy');
        await new Promise((r) => setTimeout(r, 10));
      }
      const [key] = await rush.pushTasks([{ x: 1 }]);
      const task = await worker.popTask({ timeout: 5 });
      expect(task?.key).toBe(key);
      expect(await worker.finishTasks([key!], [{ y: 2 }])).toEqual([key]);
      expect(await held).toBe(1);
      await rush.reset();
    } finally {
      holder.disconnect();
      probe.disconnect();
      await worker.close();
      await rush.close();
    }
  });
});
