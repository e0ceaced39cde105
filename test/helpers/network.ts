/**
 * Per-test helpers: a fresh network on the shared private Redis, cleaned up after the test.
 *
 * After every test that used them, a guard checks each network the test touched: first the
 * invariants (test/helpers/invariants.ts), then it cleans up the way a user would (closes the
 * workers, `reset()` through a manager) and fails the test if anything survives that: a worker
 * process still alive, or a key of the network that SCAN still finds. (The chaos suite, whose
 * faults break networks on purpose, runs with RUSHNET_TEST_GUARD=off.)
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, inject } from 'vitest';
import { Rush, RushWorker, type RushWorkerOptions } from '../../src/index.js';
import { checkInvariants } from './invariants.js';

/** The private test server's URL; never a default (port 6379 may hold somebody's data). */
export function redisUrl(): string {
  const url = inject('redisUrl');
  if (!url)
    throw new Error(
      'no private test Redis in this suite: pass the config of a server the test started',
    );
  return url;
}

const open: { close(): Promise<void> }[] = [];
/** Networks the test used, with the managers made for them. */
const networks = new Map<string, Rush[]>();
/** Networks whose invariants the test breaks on purpose (e.g. by deleting keys). */
const brokenOnPurpose = new Set<string>();
/** Processes the test started itself (not through rushnet). */
const spawned: ChildProcess[] = [];
const guardOn = process.env.RUSHNET_TEST_GUARD !== 'off';

function touch(networkId: string, rush?: Rush): void {
  const managers = networks.get(networkId) ?? [];
  if (rush) managers.push(rush);
  networks.set(networkId, managers);
}

/** Marks a network whose invariants the test breaks on purpose: they are not checked. */
export function breaksInvariants(networkId: string): void {
  brokenOnPurpose.add(networkId);
}

/** Registers a process the test started, so the leak guard checks it is gone at the end. */
export function trackProcess<T extends ChildProcess>(child: T): T {
  spawned.push(child);
  return child;
}

afterEach(async () => {
  const touched = [...networks];
  networks.clear();
  const unchecked = new Set(brokenOnPurpose);
  brokenOnPurpose.clear();
  const children = spawned.splice(0);
  const problems: string[] = [];
  // Each network is checked on its own server, through one of its managers (or a fresh one on
  // the test server when the test closed its own): never a Redis the tests did not start.
  const checkers: { id: string; rush: Rush; fresh: boolean }[] = [];
  try {
    if (guardOn) {
      for (const [id, list] of touched) {
        const alive = list.find((r) => isOpen(r));
        const rush = alive ?? (await new Rush({ networkId: id, config: redisUrl() }).connect());
        checkers.push({ id, rush, fresh: alive === undefined });
        if (unchecked.has(id)) continue;
        for (const v of await checkInvariants(rush.connector, id))
          problems.push(`network ${id}: ${v}`);
      }
    }
    const managers = touched.flatMap(([, list]) => list);
    const processes = managers.flatMap((rush) => [...rush.processes.values()]);
    // Workers in this process first (their sentinels would write after a reset), then a reset
    // of each network by one of its managers.
    await Promise.all(open.splice(0).map((c) => c.close()));
    for (const { rush } of checkers) await rush.reset();
    for (const child of guardOn ? [...processes, ...children] : []) {
      if (child.exitCode === null && child.signalCode === null) {
        problems.push(`process ${child.pid} (${child.spawnfile}) was still running after reset()`);
      }
    }
    for (const { id, rush } of checkers) {
      const left = await scanNetworkKeys(rush.connector, id);
      if (left.length > 0) {
        problems.push(
          `network ${id}: reset() left ${left.length} key(s): ${left.slice(0, 5).join(', ')}`,
        );
        await rush.connector.del(...left);
      }
    }
  } finally {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await Promise.all(
      [...touched.flatMap(([, l]) => l.flatMap((r) => [...r.processes.values()])), ...children].map(
        killAndWait,
      ),
    );
    await Promise.all(touched.flatMap(([, list]) => list.map((r) => r.close())));
    await Promise.all(checkers.filter((c) => c.fresh).map((c) => c.rush.close()));
  }
  if (problems.length > 0) throw new Error(`leak guard:\n${problems.join('\n')}`);
});

function isOpen(rush: Rush): boolean {
  try {
    return rush.connector.status === 'ready';
  } catch {
    return false;
  }
}

/** A temporary directory, removed after the test. */
export function tempDir(prefix = 'rushnet-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  open.push({ close: async () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

export function newNetworkId(): string {
  return `test-${randomUUID()}`;
}

/** A connected manager of a fresh network (or of `networkId`); the leak guard resets it after the test. */
export async function manager(networkId = newNetworkId(), config = redisUrl()): Promise<Rush> {
  const rush = await new Rush({ networkId, config }).connect();
  touch(networkId, rush);
  return rush;
}

/** SIGKILLs a child process (if still running) and waits for it to exit. */
export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/** Whether a process with this pid exists (and is not a zombie we could reap). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
}

/** A registered worker of the network. */
export async function worker(
  networkId: string,
  options: Partial<RushWorkerOptions> = {},
): Promise<RushWorker> {
  const w = await RushWorker.create({ networkId, config: redisUrl(), ...options });
  touch(networkId);
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
  // Every key that holds the id, inside the network's namespace or not (a stray key is a leak).
  const glob = networkId.replace(/[*?[\]\\]/g, '\\$&');
  const braced = `{${networkId}}`;
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `*${glob}*`, 'COUNT', 1000);
    // A short id ('a') is inside other networks' ids too: only its braced form is its own.
    keys.push(...(networkId.length >= 16 ? batch : batch.filter((k) => k.includes(braced))));
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitUntil<T>(
  check: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 25, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
