/**
 * Failing the running tasks of lost workers in a large running set, a chunk per call: finding a
 * worker's running tasks means looking at every running task, which in one call would hold the
 * server for long. lose_workers.lua notes the workers in the lost-sweep hash when the set is
 * large; the sweep here fails their tasks. Used by the manager (stop.ts) and by a worker that
 * gives up (worker.ts), so it stays small: the worker bundle carries it.
 */
import type { RushKeys } from '../redis/keys.js';
import * as calls from '../redis/scripts/calls.js';
import { chunked } from './task-reader.js';
import { runWrites, type WriteTarget } from './write-path.js';

/**
 * Running tasks looked at per call when failing lost workers' tasks (and the most that the
 * marking script looks at itself): a call stays a few milliseconds however large the set.
 */
export const SWEEP_CHUNK = 2000;

/**
 * Fails the running tasks of the workers noted in the lost-sweep hash, looking at the running
 * set a chunk per call (SSCAN) instead of all of it in one call, which would hold the server
 * for long. Each chunk's script travels with the next SSCAN: one round trip per chunk. The
 * notes go only once the whole set was looked at; a sweep cut short (a crash, a lost
 * connection) is done again by the next call, which is harmless (a task moves once).
 */
export async function sweepLostTasks(target: WriteTarget & { keys: RushKeys }): Promise<void> {
  const client = target.client();
  const k = target.keys;
  const ids = await client.hkeys(k.lostSweep);
  if (ids.length === 0) return;
  let cursor = '0';
  let write: Promise<unknown> = Promise.resolve();
  do {
    const [, [next, keys]] = await Promise.all([
      write,
      client.sscan(k.running, cursor, 'COUNT', SWEEP_CHUNK),
    ]);
    cursor = next;
    const chunks = chunked(keys, SWEEP_CHUNK).map((chunk) => calls.sweepLostTasks(k, chunk));
    write = chunks.length > 0 ? runWrites(target, chunks) : Promise.resolve();
  } while (cursor !== '0');
  await write;
  await client.hdel(k.lostSweep, ...ids);
}
