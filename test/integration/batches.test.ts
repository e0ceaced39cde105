/**
 * Honest batches: a batch write that fails part way (Redis at maxmemory) reports exactly what
 * it wrote ("k of n written", with the keys), or writes nothing.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rush, RushBatchError, RushError } from '../../src/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer(['--maxmemory-policy', 'noeviction']);
});

afterAll(async () => {
  await server?.stop();
});

describe('a batch that fails part way', () => {
  it('pushTasks of 6,000 tasks under maxmemory says exactly which tasks it wrote', async () => {
    const admin = new Redis(server.url);
    const rush = await new Rush({ networkId: `batch-${Date.now()}`, config: server.url }).connect();
    try {
      // Room for a few thousand of these tasks above what the server uses now.
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      await admin.config('SET', 'maxmemory', String(used + 4 * 1024 * 1024));
      const xss = Array.from({ length: 6000 }, (_, i) => ({ i, pad: 'x'.repeat(1000) }));
      const error = await rush.pushTasks(xss).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RushError);
      await admin.config('SET', 'maxmemory', '0');
      const stored = await rush.tasks();
      if (error instanceof RushBatchError) {
        expect(error.message).toMatch(new RegExp(`^${error.written.length} of 6000 written`));
        // Part of the call was written: the message must not say otherwise.
        expect(error.message).toMatch(/out of memory/);
        expect(error.message).not.toMatch(/nothing of this call was written/);
        expect(error.total).toBe(6000);
        expect(error.written.length).toBeGreaterThan(0);
        expect(error.written.length).toBeLessThan(6000);
        expect(new Set(stored)).toEqual(new Set(error.written));
      } else {
        expect(stored).toEqual([]); // nothing of it was written
      }
      // Every task that was written is whole and queued.
      expect(await rush.nQueuedTasks()).toBe(stored.length);
      const rows = await rush.fetchQueuedTasks();
      expect(rows.every((r) => typeof r.i === 'number' && r.pad === 'x'.repeat(1000))).toBe(true);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await rush.reset();
      await rush.close();
      admin.disconnect();
    }
  });
});
