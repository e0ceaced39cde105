/** Per-test helpers: a fresh network on the shared private Redis, closed after the test. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, inject } from 'vitest';
import { Rush, RushWorker, type RushWorkerOptions } from '../../src/index.js';

export const redisUrl = (): string => inject('redisUrl');

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

export function newNetworkId(): string {
  return `test-${randomUUID()}`;
}

/** A connected manager of a fresh network (or of `networkId`). */
export async function manager(networkId = newNetworkId()): Promise<Rush> {
  const rush = await new Rush({ networkId, config: redisUrl() }).connect();
  open.push(rush);
  return rush;
}

/** A registered worker of the network. */
export async function worker(
  networkId: string,
  options: Partial<RushWorkerOptions> = {},
): Promise<RushWorker> {
  const w = await RushWorker.create({ networkId, config: redisUrl(), ...options });
  open.push(w);
  return w;
}

/** A plain Redis client on the test server, for looking behind rushnet's back. */
export function rawClient(): Redis {
  const client = new Redis(redisUrl());
  open.push({ close: async () => void client.disconnect() });
  return client;
}

/** Every key of a network, found with SCAN. */
export async function scanNetworkKeys(client: Redis, networkId: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `*${networkId}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitUntil<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
