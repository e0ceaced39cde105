/**
 * The failover checker itself (test/helpers/invariants.ts `checkAfterFailover`): given what
 * clients saw acknowledged and a failover moment, it blames each loss on Redis (acknowledged
 * before the failover) or on rushnet (after), runs beyond maxRetries + 1 likewise, on a private
 * server where the "losses" are made by hand.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rush, RushWorker, rsh } from '../../src/index.js';
import { type Acknowledged, checkAfterFailover } from '../helpers/invariants.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
let raw: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  raw = new Redis(server.url);
});

afterAll(async () => {
  raw?.disconnect();
  await server?.stop();
});

describe('checkAfterFailover', () => {
  it("tells writes lost before the failover (Redis') from writes lost after (rushnet's)", async () => {
    const networkId = `checker-${Date.now()}`;
    const rush: Rush = await rsh({ networkId, config: server.url });
    const worker = await RushWorker.create({ networkId, config: server.url });
    try {
      const [a, b, c] = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
      const popped = await worker.popTask({ timeout: 0 });
      expect(popped?.key).toBe(a);
      await worker.finishTasks([a!], [{ y: 1 }]);
      expect((await worker.popTask({ timeout: 0 }))?.key).toBe(b);
      const at = 1_000_000;
      const before = at - 10;
      const after = at + 10;
      const w = worker.workerId;
      const acks: Acknowledged[] = [
        ...[a!, b!, c!].map((key) => ({ op: 'create' as const, key, by: 'manager', at: 0 })),
        { op: 'pop', key: a!, by: w, at: 1 },
        { op: 'finish', key: a!, by: w, at: 2 },
        { op: 'pop', key: b!, by: w, at: 3 },
        // Not in Redis: a creation acknowledged before the failover, and one after.
        { op: 'create', key: 'ghost-before', by: w, at: before },
        { op: 'create', key: 'ghost-after', by: w, at: after },
        // b is running: its finish acknowledged before the failover was lost with the primary.
        { op: 'finish', key: b!, by: w, at: before },
        // c is queued: a pop before the failover that a later finish found undone.
        { op: 'pop', key: c!, by: 'other', at: before },
        { op: 'discarded', key: c!, by: 'other', at: after },
        // a finished again after the failover: it ran twice (its first finish was lost).
        { op: 'finish', key: a!, by: 'other', at: after },
      ];
      const result = await checkAfterFailover(raw, networkId, {
        acknowledged: acks,
        failedOverAt: at,
      });
      expect(result.redis.sort()).toEqual(
        [
          `task ghost-before: its creation was acknowledged to ${w} 10 ms before the failover, but it is not in the task list`,
          `task ${b}: its finish was acknowledged to ${w} 10 ms before the failover, but it is running`,
          `task ${c}: its pop was acknowledged to other 10 ms before the failover, but a later finish found it no longer running`,
          `task ${a}: its finish was acknowledged to ${w} ${at - 2} ms before the failover, but it ran again and 1 more finish(es) were acknowledged`,
        ].sort(),
      );
      expect(result.rushnet.sort()).toEqual(
        [
          `task ghost-after: its creation was acknowledged to ${w} 10 ms after the failover, but it is not in the task list`,
        ].sort(),
      );
      // Had a's first finish come after the failover too, running it twice is rushnet's doing.
      const late: Acknowledged[] = acks.map((ack) =>
        ack.key === a && ack.op === 'finish' && ack.by === w ? { ...ack, at: after - 5 } : ack,
      );
      const twice = await checkAfterFailover(raw, networkId, {
        acknowledged: late,
        failedOverAt: at,
      });
      expect(twice.rushnet).toContain(
        `task ${a}: its finish was acknowledged to ${w} 5 ms after the failover, but it ran again and 1 more finish(es) were acknowledged`,
      );
    } finally {
      await worker.close();
      await rush.reset();
      await rush.close();
    }
  });
  it('blames runs beyond maxRetries + 1 on Redis only when enough pops came before the failover', async () => {
    const networkId = `checker-retries-${Date.now()}`;
    const rush: Rush = await rsh({ networkId, config: server.url });
    const worker = await RushWorker.create({ networkId, config: server.url });
    try {
      const [key] = await rush.pushTasks([{ x: 1 }], { maxRetries: 1 });
      await worker.popTask({ timeout: 0 });
      expect(await worker.failTasks([key!])).toEqual([key]);
      await worker.popTask({ timeout: 0 });
      expect(await worker.finishTasks([key!], [{ y: 1 }])).toEqual([key]);
      const at = 1_000_000;
      const w = worker.workerId;
      const check = (pops: number[]) =>
        checkAfterFailover(raw, networkId, {
          acknowledged: [
            { op: 'create', key: key!, by: 'manager', at: 0 },
            ...pops.map((t) => ({ op: 'pop' as const, key: key!, by: w, at: t })),
            { op: 'finish', key: key!, by: w, at: at + 30 },
          ],
          failedOverAt: at,
          maxRetries: 1,
        });
      // Two runs allowed, three pops acknowledged: one was undone, possibly by the failover.
      const undone = 'but only 2 runs are allowed, so pops up to this one were undone';
      expect(await check([at - 10, at + 10, at + 20])).toEqual({
        rushnet: [],
        redis: [
          `task ${key}: its pop 1 of 3 was acknowledged to ${w} 10 ms before the failover, ${undone}`,
        ],
      });
      expect(await check([at + 5, at + 10, at + 20])).toEqual({
        rushnet: [
          `task ${key}: its pop 1 of 3 was acknowledged to ${w} 5 ms after the failover, ${undone}`,
        ],
        redis: [],
      });
      expect(await check([at - 10, at + 20])).toEqual({ rushnet: [], redis: [] });
    } finally {
      await worker.close();
      await rush.reset();
      await rush.close();
    }
  });
});
