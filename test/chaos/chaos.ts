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

export const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 1);
const FIXED_SEED =
  process.env.CHAOS_SEED === undefined ? undefined : Number(process.env.CHAOS_SEED);

/** The seeds of a scenario's rounds: CHAOS_SEED alone when set, else fresh ones. */
export function seeds(): number[] {
  if (FIXED_SEED !== undefined) return [FIXED_SEED];
  return Array.from({ length: ROUNDS }, () => Math.floor(Math.random() * 2 ** 31));
}

/** A small seeded generator (mulberry32): the same seed, the same faults. */
export function random(seed: number): {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(items: T[]): T;
} {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

export function announce(scenario: string, seed: number): void {
  process.stdout.write(`chaos: ${scenario} seed=${seed} (re-run with CHAOS_SEED=${seed})\n`);
}

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
