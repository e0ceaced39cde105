/**
 * Server limits: a command larger than the server's client-query-buffer-limit would make it
 * drop the connection, and the resent command would be dropped forever. rushnet keeps every
 * command under the limit, and refuses a single value that cannot fit, at once and clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rush, RushConfigError, RushWorker } from '../../src/index.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer(['--client-query-buffer-limit', '1mb']);
});

afterAll(async () => {
  await server?.stop();
});

describe('a server with a 1 MB query buffer limit', () => {
  it('refuses a 3 MB task within seconds, naming the limit, and writes nothing', async () => {
    const rush = await new Rush({ networkId: `limit-${Date.now()}`, config: server.url }).connect();
    try {
      const error = await rush.pushTasks([{ big: 'x'.repeat(3_000_000) }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RushConfigError);
      expect((error as Error).message).toMatch(/client-query-buffer-limit/);
      expect(await rush.nTasks()).toBe(0);
    } finally {
      await rush.reset();
      await rush.close();
    }
  });

  it('writes many tasks that together exceed the limit, in chunks that each fit', async () => {
    const networkId = `limit-many-${Date.now()}`;
    const rush = await new Rush({ networkId, config: server.url }).connect();
    const worker = await RushWorker.create({ networkId, config: server.url });
    try {
      const xss = Array.from({ length: 8 }, (_, i) => ({ i, pad: 'y'.repeat(300_000) }));
      const keys = await rush.pushTasks(xss);
      expect(await rush.nQueuedTasks()).toBe(8);
      const tasks = await worker.popTasks(8, { timeout: 0 });
      expect(tasks).toHaveLength(8);
      const yss = tasks.map(() => ({ echo: 'z'.repeat(300_000) }));
      expect(await worker.finishTasks(keys, yss)).toEqual(keys);
      const rows = await rush.fetchFinishedTasks();
      expect(rows.map((r) => (r.echo as string).length)).toEqual(Array(8).fill(300_000));
    } finally {
      await worker.close();
      await rush.reset();
      await rush.close();
    }
  });
});
