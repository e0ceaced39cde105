/** Per-test helpers: a fresh network on the shared private Redis, closed after the test. */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, inject } from 'vitest';
import { Rush, RushWorker, type RushWorkerOptions } from '../../src/index.js';

export const redisUrl = (): string => inject('redisUrl');

const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** A temporary directory, removed after the test. */
export function tempDir(prefix = 'rushnet-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  open.push({ close: async () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

export function newNetworkId(): string {
  return `test-${randomUUID()}`;
}

/** A connected manager of a fresh network (or of `networkId`); its worker processes die after the test. */
export async function manager(networkId = newNetworkId(), config = redisUrl()): Promise<Rush> {
  const rush = await new Rush({ networkId, config }).connect();
  open.push({
    close: async () => {
      await Promise.all([...rush.processes.values()].map(killAndWait));
      await rush.close();
    },
  });
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
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
