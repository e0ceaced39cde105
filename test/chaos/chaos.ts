/**
 * Shared machinery of the chaos suite: seeded randomness (print the seed, re-run one with
 * CHAOS_SEED), rounds (CHAOS_ROUNDS), a private redis-server per file, and the worker loops.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Rush, WorkerLoop } from '../../src/index.js';
import { checkInvariants, type InvariantOptions } from '../helpers/invariants.js';
import { scanNetworkKeys, waitUntil } from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

export { announce, ROUNDS, random, seeds } from './seeds.js';

const fixtures = new URL('../fixtures/chaos-loops.mjs', import.meta.url);
export const queueLoop: WorkerLoop = { module: fixtures, export: 'queue' };
export const decentralizedLoop: WorkerLoop = { module: fixtures, export: 'decentralized' };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Asks every worker to terminate and waits until all are gone (killing the stragglers). */
export async function stopAll(rush: Rush): Promise<void> {
  await rush.stopWorkers({ type: 'terminate' });
  await waitUntil(async () => (await rush.nRunningWorkers()) === 0, {
    timeoutMs: 20_000,
    what: 'the workers to terminate',
  }).catch(() => {});
  await rush.stopWorkers({ type: 'kill' });
  for (const child of rush.processes.values()) {
    await waitUntil(() => child.exitCode !== null || child.signalCode !== null, {
      what: 'a worker process to exit',
    });
  }
}

/** Checks the invariants (expecting none broken), then that reset leaves no key behind. */
export async function verifyAndReset(
  raw: Redis,
  rush: Rush,
  options: InvariantOptions,
): Promise<void> {
  expect(await checkInvariants(raw, rush.networkId, options)).toEqual([]);
  await rush.reset();
  expect(await scanNetworkKeys(raw, rush.networkId)).toEqual([]);
}

/** A private redis-server and a plain client on it for the tests of one file. */
export function privateServer(): { readonly server: RedisServer; readonly raw: Redis } {
  const state = {} as { server: RedisServer; raw: Redis };
  beforeAll(async () => {
    state.server = await startRedisServer();
    state.raw = new Redis(state.server.url);
  });
  afterAll(async () => {
    state.raw?.disconnect();
    await state.server?.stop();
  });
  return state;
}

/**
 * Starts two queue workers and one decentralized worker with heartbeats, and waits until they
 * are registered. Returns their ids.
 */
export async function startMixedWorkers(rush: Rush, heartbeatExpire: number): Promise<string[]> {
  const heartbeat = { heartbeatPeriod: 1, heartbeatExpire };
  const ids = [
    ...(await rush.startLocalWorkers(queueLoop, { nWorkers: 2, args: [10], ...heartbeat })),
    ...(await rush.startLocalWorkers(decentralizedLoop, {
      nWorkers: 1,
      args: [10, 60],
      ...heartbeat,
    })),
  ];
  await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
  return ids;
}
