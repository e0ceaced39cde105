/**
 * Recognizes a `Rush` or `RushWorker` by what it can do, not by its class: a worker process runs
 * rushnet's bundled runtime, whose classes are other objects than those `rushnet/optimize`
 * imports, so `instanceof` would refuse the very worker the loop was given.
 */
import { describeValue, RushInputError } from '../errors.js';
import type { Rush } from '../rush.js';

const NEEDED = [
  'fetchNewTasks',
  'fetchRunningTasks',
  'fetchFinishedTasks',
  'pushRunningTasks',
  'finishTasks',
  'failTasks',
  'popTask',
  'pushTasks',
  'writeHashes',
] as const;

export interface ParticipantView {
  /** The worker id of a RushWorker; undefined on a manager. */
  readonly workerId?: string;
  /** A RushWorker's terminate request. */
  readonly terminated?: boolean;
}

/** Checks that `rush` is a connected-able participant; returns its worker view. */
export function asParticipant(rush: Rush): ParticipantView {
  const r = rush as unknown as Record<string, unknown> | null;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    typeof r.networkId === 'string' &&
    NEEDED.every((name) => typeof r[name] === 'function');
  if (!ok)
    throw new RushInputError('rush', `must be a Rush or RushWorker, got ${describeValue(rush)}`);
  return rush as unknown as ParticipantView;
}
