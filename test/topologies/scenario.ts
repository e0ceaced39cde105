/**
 * What every topology test runs (public API only): a manager and a worker of one network, the
 * task round trip push → pop → finish → fetch, and waitForTasks woken through pub/sub.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import {
  type RedisConfig,
  type Rush,
  RushWorker,
  type RushWorkerOptions,
  rsh,
} from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { waitFor } from '../helpers/servers/process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export function newNetworkId(): string {
  return `topo-${randomUUID().slice(0, 8)}`;
}

/** A manager and a registered worker of a network; `close()` ends both. */
export async function pair(
  config: RedisConfig,
  networkId = newNetworkId(),
  workerOptions: Partial<RushWorkerOptions> = {},
): Promise<{ rush: Rush; worker: RushWorker; close(): Promise<void> }> {
  const rush = await rsh({ networkId, config });
  const options = { networkId, config, ...workerOptions };
  const worker = await RushWorker.create(options).catch(async (error) => {
    await rush.close();
    throw error;
  });
  return {
    rush,
    worker,
    async close() {
      await worker.close();
      await rush.close();
    },
  };
}

/** Pops `n` tasks (each within 10 s) and finishes them with `y = 2x`; returns their keys. */
export async function popAndFinish(worker: RushWorker, n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const task = await worker.popTask({ timeout: 10 });
    expect(task, `task ${i + 1} of ${n}`).not.toBeNull();
    await worker.finishTasks([task!.key], [{ y: 2 * (task!.xs as { x: number }).x }]);
    keys.push(task!.key);
  }
  return keys;
}

/**
 * The round trip on one network: push, pop, finish, fetch; waitForTasks returns once the
 * tasks are finished, and the finish reaches a subscriber of the network's events channel.
 */
export async function roundTrip(config: RedisConfig, networkId = newNetworkId()): Promise<void> {
  const { rush, worker, close } = await pair(config, networkId);
  const subscriber = rush.connector.duplicate();
  subscriber.on('error', () => {
    // reconnects by itself
  });
  try {
    const events: string[] = [];
    subscriber.on('message', (channel: string) => events.push(channel));
    await subscriber.subscribe(new RushKeys(networkId).events);

    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    expect(keys).toHaveLength(3);
    const first = await worker.popTask({ timeout: 10 });
    expect(first?.key).toBe(keys[0]);
    expect(first?.xs).toEqual({ x: 1 });

    const waiting = rush.waitForTasks(keys, { timeout: 60 });
    await worker.finishTasks([first!.key], [{ y: 2 }]);
    await waitFor('an event on the network channel', () => events.length > 0);
    expect(await popAndFinish(worker, 2)).toEqual(keys.slice(1));
    await waiting;

    const rows = await rush.fetchFinishedTasks();
    expect(rows.map((r) => [r.key, r.x, r.y])).toEqual([
      [keys[0], 1, 2],
      [keys[1], 2, 4],
      [keys[2], 3, 6],
    ]);
    expect(await rush.counts()).toMatchObject({ queued: 0, running: 0, finished: 3 });
    await worker.close();
    await rush.reset();
  } finally {
    subscriber.disconnect();
    await close();
  }
}

/** The rushnet CLI from the sources; resolves with its exit code and output. */
export function rushnet(
  args: string[],
  extraEnv: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env.REDIS_URL;
  delete env.RUSHNET_REDIS_CONFIG;
  Object.assign(env, extraEnv);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...args],
      { cwd: root, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}
