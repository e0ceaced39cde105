/**
 * Whether a network exists: a command about a network that has no key in Redis (a typo, a
 * network already reset, the wrong server) says so and exits 1 instead of answering with
 * zero counts or an empty export.
 */
import { RushError } from '../errors.js';
import { RushKeys } from '../redis/keys.js';
import type { Rush } from '../rush.js';
import { redacted } from './common.js';

/**
 * Whether the network has a key on the server. Every key a network can have hangs off one of
 * these (task hashes off the task list, per-worker keys off the worker registry, hashes of
 * `writeHashes` off their set), so one EXISTS answers it, with no SCAN of the server.
 */
export async function networkExists(rush: Rush): Promise<boolean> {
  const k = new RushKeys(rush.networkId);
  const keys = [
    k.tasks,
    k.queued,
    k.running,
    k.finished,
    k.failed,
    k.finishedRecords,
    k.extraHashes,
    k.poppers,
    k.trash,
    k.lostSweep,
    ...k.workerRegistry,
  ];
  return (await rush.connector.exists(...keys)) > 0;
}

/** The error of a command about a network that does not exist. */
export function missingNetwork(rush: Rush): RushError {
  return new RushError(
    `network '${rush.networkId}' does not exist on ${redacted(rush.config)} (no key of it in Redis)`,
  );
}

/** @throws RushError (exit code 1) when the network has no key on the server. */
export async function requireNetwork(rush: Rush): Promise<void> {
  if (!(await networkExists(rush))) throw missingNetwork(rush);
}
