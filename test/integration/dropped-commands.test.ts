/**
 * A command the server keeps dropping fails, bounded (issue #10 "never hang"): a server whose
 * client-query-buffer-limit is low and hidden from rushnet (no CONFIG GET) closes the connection
 * on a too-large command, and ioredis would resend it forever. The guard of createClient rejects
 * it after a few such connections in a row, and the client goes on with later commands. A server
 * restarted again and again during calls is an outage, not a drop: the calls complete.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { Rush, RushConfigError, RushError, RushWorker } from '../../src/index.js';
import { MAX_DROPPED_CONNECTIONS } from '../../src/redis/client-options.js';
import { waitUntil } from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const servers: RedisServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** A server with a 1 MB query buffer that rushnet cannot read: CONFIG renamed away. */
async function withoutConfig(): Promise<string> {
  const server = await startRedisServer([
    '--client-query-buffer-limit',
    '1mb',
    '--rename-command',
    'CONFIG',
    '""',
  ]);
  servers.push(server);
  return server.url;
}

/** The same limit, and a user whose ACL denies CONFIG GET (as SECURITY.md's rules do). */
async function withoutConfigPermission(): Promise<string> {
  const server = await startRedisServer(['--client-query-buffer-limit', '1mb']);
  servers.push(server);
  const admin = new Redis(server.port, '127.0.0.1');
  await admin.call('ACL', 'SETUSER', 'limited', 'on', '>pw', '~*', '&*', '+@all', '-config');
  admin.disconnect();
  return `redis://limited:pw@127.0.0.1:${server.port}`;
}

/** The promise's outcome, or 'still pending' after `ms` (a test never hangs). */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | Error | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.catch((e: Error) => e),
    new Promise<'still pending'>((r) => {
      timer = setTimeout(() => r('still pending'), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

describe('a command the server keeps dropping', () => {
  it.each([
    ['CONFIG renamed away', withoutConfig],
    ['CONFIG denied by the ACL', withoutConfigPermission],
  ])(
    'fails within seconds, naming the limits, and the manager carries on (%s)',
    async (_, setup) => {
      const config = await setup();
      const rush = await new Rush({ networkId: `dropped-${Date.now()}`, config }).connect();
      let reconnects = 0;
      rush.connector.on('reconnecting', () => reconnects++);
      try {
        const started = Date.now();
        const outcome = await settleWithin(
          rush.pushTasks([{ big: 'x'.repeat(3_000_000) }]),
          20_000,
        );
        expect(outcome).toBeInstanceOf(RushConfigError);
        expect(outcome).toBeInstanceOf(RushError);
        const message = (outcome as Error).message;
        expect(message).toMatch(/client-query-buffer-limit/);
        expect(message).toMatch(/proto-max-bulk-len/);
        expect(message).toMatch(/client-output-buffer-limit normal/);
        expect(message).toMatch(/`maxObjectSize`.*`largeObjectsPath`/);
        expect(message).not.toContain('pw@');
        expect(Date.now() - started).toBeLessThan(15_000);
        // Bounded: a first connection may see a reply (NOSCRIPT), then the drops in a row.
        expect(reconnects).toBeLessThanOrEqual(MAX_DROPPED_CONNECTIONS + 2);
        // The same manager goes on: nothing of the big task was written, a small one is.
        const [key] = await rush.pushTasks([{ x: 1 }]);
        expect(await rush.tasks()).toEqual([key]);
        expect(await rush.nQueuedTasks()).toBe(1);
      } finally {
        // The server is this case's own: no reset (a command still looping would hold it up).
        await rush.close();
      }
    },
  );
});

describe('a server restarted again and again during calls', () => {
  it('is an outage, not a drop: a blocked pop and a push made while it is down complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rushnet-restarts-'));
    const persistent = ['--appendonly', 'yes', '--appendfsync', 'always'];
    let server = await startRedisServer(persistent, { dir });
    const admin = new Redis(server.port, '127.0.0.1', { maxRetriesPerRequest: null });
    admin.on('error', () => {});
    const networkId = `restarts-${Date.now()}`;
    const rush = await new Rush({ networkId, config: server.url }).connect();
    const worker = await RushWorker.create({ networkId, config: server.url });
    // Each restart finds the pop blocked on the server: written, unanswered, at every close.
    const blockedPop = async () => {
      const clients = (await admin.client('LIST')) as string;
      return clients.includes(`name=rushnet:${networkId}:blocking`) && / cmd=blmove/.test(clients);
    };
    try {
      const pop = worker.popTask({ timeout: 120 }).catch((e: Error) => e);
      const restarts = MAX_DROPPED_CONNECTIONS + 2;
      let push: Promise<string[]> | undefined;
      for (let restart = 1; restart <= restarts; restart++) {
        await waitUntil(blockedPop, { timeoutMs: 20_000, what: 'the pop to block again' });
        await server.stop();
        // A call made while the server is down waits for it and completes, once.
        if (restart === restarts) push = rush.pushTasks([{ x: 42 }]);
        server = await startRedisServer(persistent, { dir, port: server.port });
      }
      const [key] = (await settleWithin(push!, 20_000)) as string[];
      expect(typeof key).toBe('string');
      const task = await settleWithin(pop, 20_000);
      expect(task).toMatchObject({ key, xs: { x: 42 } });
      expect(await rush.nTasks()).toBe(1);
      expect(await rush.runningTasks()).toEqual([key]);
    } finally {
      admin.disconnect();
      await worker.close();
      await rush.reset();
      await rush.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
