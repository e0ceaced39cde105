/**
 * rushnet's scripts as a Redis function library (src/redis/scripts/library.ts): a connection
 * of the default user loads it and its calls go as FCALL; a library deleted under live
 * connections, or gone with a restarted server, costs no call; a per-network ACL user never
 * tries it (nothing denied in ACL LOG) and keeps to scripts. Each test has its own server, so
 * the command counts are its own.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { networkAclRules } from '../../src/acl.js';
import { Rush, RushWorker } from '../../src/index.js';
import { LIBRARY } from '../../src/redis/scripts/index.js';
import { newNetworkId, waitUntil } from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const servers: RedisServer[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  for (const server of servers.splice(0)) await server.stop();
});

async function serverWithAdmin(): Promise<{ server: RedisServer; admin: Redis }> {
  const server = await startRedisServer();
  servers.push(server);
  const admin = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: null });
  admin.on('error', () => {});
  clients.push(admin);
  return { server, admin };
}

/** Calls of each script command so far. */
async function scriptCalls(
  admin: Redis,
): Promise<{ fcall: number; evalsha: number; eval: number; load: number }> {
  const stats = String(await admin.info('commandstats'));
  const calls = (name: string) =>
    Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  return {
    fcall: calls('fcall'),
    evalsha: calls('evalsha'),
    eval: calls('eval'),
    load: calls('function\\|load'),
  };
}

async function libraries(admin: Redis): Promise<string[]> {
  const list = (await admin.call('FUNCTION', 'LIST')) as unknown[][];
  return list.map((entry) => String(entry[1]));
}

/** Pushes `n` tasks, and a worker pops and finishes each: the results must be right. */
async function roundOfTasks(rush: Rush, worker: RushWorker, n: number): Promise<void> {
  const keys = await rush.pushTasks(Array.from({ length: n }, (_, x) => ({ x })));
  for (let i = 0; i < n; i++) {
    const task = await worker.popTask({ timeout: 5 });
    expect(task).not.toBeNull();
    await worker.finishTasks([task!.key], [{ y: (task!.xs.x as number) * 2 }]);
  }
  // By key (not the manager's cache of finished tasks, which a restarted server confuses).
  const read = await Promise.all(keys.map((key) => rush.readHash(key, ['state', 'ys'])));
  expect(read).toEqual(keys.map((key, x) => ({ key, state: 'finished', ys: { y: x * 2 } })));
}

/** A manager and a worker of a new network on `url`, for `body`; both closed after it. */
async function withPair(
  url: string,
  body: (rush: Rush, worker: RushWorker) => Promise<void>,
): Promise<void> {
  const networkId = newNetworkId();
  const rush = await new Rush({ networkId, config: url }).connect();
  const worker = await RushWorker.create({ networkId, config: url });
  try {
    await body(rush, worker);
  } finally {
    await rush.reset();
    await worker.close();
    await rush.close();
  }
}

/** Waits until both connections call functions (each marks itself once its load is answered). */
async function untilBothCallFunctions(admin: Redis, rush: Rush, worker: RushWorker) {
  await waitUntil(async () => {
    const before = (await scriptCalls(admin)).fcall;
    await rush.nQueuedTasks();
    await worker.nQueuedTasks();
    return (await scriptCalls(admin)).fcall >= before + 2;
  });
}

describe('the function library', () => {
  it('is loaded by a default-user connection, whose calls then go as FCALL', async () => {
    const { server, admin } = await serverWithAdmin();
    await withPair(server.url, async (rush, worker) => {
      await waitUntil(async () => (await libraries(admin)).includes(LIBRARY.name));
      await untilBothCallFunctions(admin, rush, worker);
      const before = await scriptCalls(admin);
      await roundOfTasks(rush, worker, 5);
      const after = await scriptCalls(admin);
      // push, then pop and finish per task: all functions, no script.
      expect(after.fcall - before.fcall).toBeGreaterThanOrEqual(11);
      expect(after.evalsha + after.eval).toBe(before.evalsha + before.eval);
    });
  });

  it('deleted under live connections, costs no call: they go as scripts', async () => {
    const { server, admin } = await serverWithAdmin();
    await withPair(server.url, async (rush, worker) => {
      await untilBothCallFunctions(admin, rush, worker);
      const pushed = await rush.pushTasks([{ x: 7 }, { x: 8 }]);
      await admin.call('FUNCTION', 'DELETE', LIBRARY.name);
      const before = await scriptCalls(admin);
      // The first call after the delete is a pipeline of reads: each answered from its resend.
      const rows = await rush.fetchTasks();
      expect(rows.map((row) => [row.key, row.x])).toEqual([
        [pushed[0], 7],
        [pushed[1], 8],
      ]);
      expect((await scriptCalls(admin)).fcall).toBeGreaterThan(before.fcall);
      await worker.popTasks(2);
      await roundOfTasks(rush, worker, 5);
      const after = await scriptCalls(admin);
      expect(after.evalsha + after.eval).toBeGreaterThan(before.evalsha + before.eval);
      // Not loaded again behind the user's back while the connections live.
      expect(await libraries(admin)).not.toContain(LIBRARY.name);
    });
  });

  it('gone with a restarted server (no persistence), is loaded again at the reconnect', async () => {
    const { server, admin } = await serverWithAdmin();
    await withPair(server.url, async (rush, worker) => {
      await roundOfTasks(rush, worker, 2);
      const port = server.port;
      await server.stop();
      servers.splice(servers.indexOf(server), 1);
      servers.push(await startRedisServer([], { port }));
      expect(await libraries(admin)).toEqual([]);
      await waitUntil(async () => (await libraries(admin)).includes(LIBRARY.name), {
        timeoutMs: 20_000,
      });
      // The manager's reconnected connection calls functions again.
      await waitUntil(async () => {
        await rush.nQueuedTasks();
        return (await scriptCalls(admin)).fcall > 0;
      });
      // The old worker's registration went with the data: a new one works.
      const again = await RushWorker.create({ networkId: rush.networkId, config: server.url });
      try {
        await roundOfTasks(rush, again, 3);
      } finally {
        await again.close();
      }
    });
  });

  it('a script cache flushed under live connections costs no call either', async () => {
    const { server, admin } = await serverWithAdmin();
    await withPair(server.url, async (rush, worker) => {
      await untilBothCallFunctions(admin, rush, worker);
      await admin.call('FUNCTION', 'FLUSH');
      // Until the library is loaded again (the next reconnect), calls go as scripts.
      await roundOfTasks(rush, worker, 2);
      await admin.call('SCRIPT', 'FLUSH');
      const refused = async () =>
        Number(
          /cmdstat_evalsha:.*failed_calls=(\d+)/.exec(
            String(await admin.info('commandstats')),
          )?.[1] ?? 0,
        );
      const before = await refused();
      const rows = await rush.fetchTasks();
      expect(rows).toHaveLength(2);
      await roundOfTasks(rush, worker, 2);
      // NOSCRIPT answered some of them: those were resent.
      expect(await refused()).toBeGreaterThan(before);
    });
  });

  it('is not tried by a per-network ACL user: nothing denied, calls go as scripts', async () => {
    const { server, admin } = await serverWithAdmin();
    const networkId = newNetworkId();
    await admin.call(
      'ACL',
      'SETUSER',
      `net_${networkId}`,
      'reset',
      'on',
      '>pw-f1',
      ...networkAclRules(networkId),
    );
    const url = `redis://net_${networkId}:pw-f1@127.0.0.1:${server.port}`;
    const rush = await new Rush({ networkId, config: url }).connect();
    const worker = await RushWorker.create({ networkId, config: url });
    try {
      await roundOfTasks(rush, worker, 3);
      const calls = await scriptCalls(admin);
      expect(calls.fcall).toBe(0);
      expect(calls.load).toBe(0);
      expect(calls.evalsha + calls.eval).toBeGreaterThan(0);
      // (ACL LOG holds rushnet's CONFIG GET, which it does without: not a FUNCTION or FCALL.)
      const denied = ((await admin.call('ACL', 'LOG')) as unknown[][]).map((entry) =>
        String(entry[entry.indexOf('object') + 1]),
      );
      expect(denied.filter((object) => /function|fcall/.test(object))).toEqual([]);
      expect(await libraries(admin)).toEqual([]);
    } finally {
      await rush.reset();
      await worker.close();
      await rush.close();
    }
  });
});
