/**
 * The write path of every script call that changes state (`runWrite`, `runWrites`), durable or
 * not: the call alone, or with `WAIT` in the same round trip when durability is asked for.
 *
 * Durability: the opt-in setting that makes every state change wait until `replicas` replicas
 * have it (Redis `WAIT`), so that a failover to one of them cannot lose it. Redis replicates
 * asynchronously: without this, a write the old primary acknowledged can vanish in a failover.
 *
 * The script and `WAIT` travel in one pipeline: one round trip. `WAIT` has no
 * key; on a Redis Cluster the pipeline goes to the node of its first keyed command, the
 * script, so `WAIT` reaches the primary that owns the network's slot.
 *
 * When fewer replicas confirm within the timeout, the write has happened on the primary: it is
 * not an error (a retry would apply nothing new) but a warning naming how many confirmed. When
 * the connection broke between the write's reply and `WAIT`'s (the primary died, the command
 * was sent again to the new one), the count says nothing about the write: the write runs again
 * (every script is idempotent when sent again: README, "Robustness") and that run is confirmed instead.
 */
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { describeValue, RushError, RushInputError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { isCluster } from '../redis/connection.js';
import { queueScript, runScript, type ScriptCall, unwrap } from '../redis/scripts/index.js';
import { isPlainObject } from '../validate.js';

/** How many replicas must have a state change before it returns, and for how long to wait. */
export interface Durability {
  /** Replicas that must confirm each state change (integer >= 1). */
  readonly replicas: number;
  /** Seconds to wait for them (> 0). @default 1 */
  readonly timeout?: number;
}

/** The checked setting: both fields present. */
export type CheckedDurability = Required<Durability>;

export const DEFAULT_DURABILITY_TIMEOUT = 1;
/** The longest wait accepted (a day): longer would stall every write for that long. */
const MAX_TIMEOUT = 86_400;
/** Runs of one write when its confirmation keeps coming from a broken connection. */
const MAX_RUNS = 5;
/** At most one shortfall warning per connection in this many ms (the others are counted). */
const WARN_EVERY_MS = 10_000;

/** What a durable write needs from its caller (a `RushContext` has all of it). */
export interface WriteTarget {
  readonly networkId: string;
  readonly durability: CheckedDurability | undefined;
  readonly logger: Logger;
  client(): Redis;
}

/** Checks the `durability` option. @throws RushInputError naming the bad field. */
export function checkDurability(
  value: unknown,
  name = 'durability',
): CheckedDurability | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    throw new RushInputError(
      name,
      `must be an object { replicas, timeout? }, got ${describeValue(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (key !== 'replicas' && key !== 'timeout') {
      throw new RushInputError(
        `${name}.${key}`,
        'is not a known option (known: replicas, timeout)',
      );
    }
  }
  const { replicas, timeout = DEFAULT_DURABILITY_TIMEOUT } = value;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1) {
    throw new RushInputError(
      `${name}.replicas`,
      `must be an integer >= 1 (the replicas that must confirm each state change), got ${describeValue(replicas)}`,
    );
  }
  if (
    typeof timeout !== 'number' ||
    !Number.isFinite(timeout) ||
    timeout <= 0 ||
    timeout > MAX_TIMEOUT
  ) {
    throw new RushInputError(
      `${name}.timeout`,
      `must be a number of seconds > 0 and <= ${MAX_TIMEOUT}, got ${describeValue(timeout)}`,
    );
  }
  return { replicas, timeout };
}

/** Runs a writing script; with durability, confirmed by `WAIT` in the same round trip. */
export async function runWrite<R>(target: WriteTarget, call: ScriptCall<R>): Promise<R> {
  if (!target.durability) return runScript(target.client(), call);
  const [reply] = await runWrites(target, [call]);
  return reply as R;
}

/** Runs writing scripts in one pipeline (one round trip), confirmed as one. Replies in order. */
export async function runWrites<R>(
  target: WriteTarget,
  calls: readonly ScriptCall<R>[],
): Promise<R[]> {
  const queue = (pipeline: ChainableCommander) => {
    for (const call of calls) queueScript(pipeline, call);
  };
  if (!target.durability) {
    if (calls.length === 1) return [await runScript(target.client(), calls[0]!)];
    const pipeline = target.client().pipeline();
    queue(pipeline);
    return unwrap(await pipeline.exec()).map((raw, i) => calls[i]!.parse(raw));
  }
  // Alone, each call is sent by itself: the cluster client follows ASK and TRYAGAIN for single
  // commands more reliably than for pipelines (an ASKING in a pipeline stops its retries).
  const alone = async () => {
    const replies: unknown[] = [];
    for (const call of calls) replies.push(await runScript(target.client(), raw(call)));
    return replies;
  };
  const runs = await durably(target, target.durability, queue, alone, calls[0]?.keys[0]);
  return calls.map((call, i) => {
    const replies = runs.map((run) => call.parse(run[i]));
    return replies.reduce((first, again) => merge(call.script, first, again) as R);
  });
}

/**
 * Adds the confirmation to a pipeline that holds writes: `WAIT replicas timeout` (for a caller
 * that reads the pipeline's replies itself; the last reply is the number of replicas).
 */
export function addWait(pipeline: ChainableCommander, durability: CheckedDurability): void {
  pipeline.wait(durability.replicas, waitMs(durability));
}

/** WAIT's timeout in milliseconds (0 would mean forever). */
function waitMs(durability: CheckedDurability): number {
  return Math.max(1, Math.round(durability.timeout * 1000));
}

/**
 * Runs the commands `queue` adds, followed by WAIT, in one pipeline, until a run's
 * confirmation is trustworthy (or `MAX_RUNS`). Returns the raw replies of every run (WAIT's
 * left out): a run after the first repeats writes whose fate was unknown. On a cluster whose
 * slot moved, the writes run `alone` (without WAIT), then WAIT follows them.
 */
async function durably(
  target: WriteTarget,
  durability: CheckedDurability,
  queue: (pipeline: ChainableCommander) => void,
  alone: () => Promise<unknown[]>,
  key: string | undefined,
): Promise<unknown[][]> {
  const client = target.client();
  const runs: unknown[][] = [];
  for (let run = 1; ; run++) {
    const breaks = breaksOf(client);
    const pipeline = client.pipeline();
    queue(pipeline);
    addWait(pipeline, durability);
    const results = await pipeline.exec();
    if (!results) throw new RushError('a Redis pipeline was aborted');
    const [waitError, confirmed] = results.pop()!;
    const failure = results.find(([error]) => error)?.[0];
    if (failure) {
      if (!(isCluster(client) && REDIRECTED.test(failure.message))) unwrap(results); // throws
      // The slot moved (a failover, a migration): the cluster client follows the redirection
      // for the writes alone; then WAIT goes, in a second round trip, to the node that took
      // them: the one an ASK named (a slot being migrated), else the slot's owner.
      runs.push(await alone());
      const asked = /^ASK \d+ (\S+)/.exec(failure.message)?.[1];
      await confirm(target, durability, () => waitOnNode(client, asked, key, durability));
      return runs;
    }
    runs.push(results.map(([, value]) => value));
    // A reconnect in between: the count may come from a new primary that never saw the write.
    if (waitError === null && breaksOf(client) === breaks) {
      report(target, durability, Number(confirmed));
      return runs;
    }
    target.logger.debug(
      { network: target.networkId, run, err: waitError?.message },
      'the connection broke during a durable write: running it again to confirm it',
    );
    if (run === MAX_RUNS) {
      warn(
        target,
        { replicas: durability.replicas, err: String(waitError?.message ?? '') },
        'a state change could not be confirmed by replicas (the connection kept breaking): it is on the primary, and a failover now may lose it',
      );
      return runs;
    }
  }
}

/** A script call whose reply is left raw (the replies of several runs are merged, then parsed). */
function raw(call: ScriptCall<unknown>): ScriptCall<unknown> {
  return { ...call, parse: (reply) => reply };
}

/** Errors after which a cluster client runs the writes again elsewhere (nothing was written). */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b|^Connection is closed/;

/**
 * WAIT on the cluster node that ran the writes: the node at `address` when given (the cluster
 * client keeps one connection per node, the one that ran them), else the primary that owns
 * `key`'s slot, reached by a read of the key in the same pipeline (or, when that read is
 * redirected, the node it names).
 */
async function waitOnNode(
  client: Redis,
  address: string | undefined,
  key: string | undefined,
  durability: CheckedDurability,
): Promise<number> {
  const at = (address: string | undefined) =>
    (client as unknown as Cluster)
      .nodes('master')
      .find(({ options }) => `${options.host}:${options.port}` === address);
  const node = at(address);
  if (node) return node.wait(durability.replicas, waitMs(durability));
  if (key === undefined) throw new RushError('a durable write on a cluster needs a key');
  const pipeline = client.pipeline().exists(key);
  addWait(pipeline, durability);
  const results = await pipeline.exec();
  if (!results) throw new RushError('a Redis pipeline was aborted');
  const [[readError], [waitError, confirmed]] = results as [
    [Error | null],
    [Error | null, unknown],
  ];
  if (!readError && !waitError) return Number(confirmed);
  const redirected = at(/^(?:MOVED|ASK) \d+ (\S+)/.exec(readError?.message ?? '')?.[1]);
  if (redirected) return redirected.wait(durability.replicas, waitMs(durability));
  throw readError ?? waitError;
}

async function confirm(
  target: WriteTarget,
  durability: CheckedDurability,
  wait: () => Promise<number>,
): Promise<void> {
  try {
    report(target, durability, await wait());
  } catch (error) {
    warn(
      target,
      {
        replicas: durability.replicas,
        err: error instanceof Error ? error.message : String(error),
      },
      'a state change could not be confirmed by replicas: it is on the primary, and a failover now may lose it',
    );
  }
}

function report(target: WriteTarget, durability: CheckedDurability, confirmed: number): void {
  if (confirmed >= durability.replicas) return;
  warn(
    target,
    { confirmed, replicas: durability.replicas, timeout: durability.timeout },
    `a state change was confirmed by ${confirmed} of ${durability.replicas} replica(s) within ${durability.timeout} s: it is on the primary, and a failover now may lose it`,
  );
}

/** Per connection: when the last warning went out, and how many were held back since. */
const warnings = new WeakMap<object, { at: number; heldBack: number }>();

function warn(target: WriteTarget, fields: Record<string, unknown>, message: string): void {
  const client = target.client();
  const state = warnings.get(client) ?? { at: Number.NEGATIVE_INFINITY, heldBack: 0 };
  warnings.set(client, state);
  const now = Date.now();
  if (now - state.at < WARN_EVERY_MS) {
    state.heldBack++;
    return;
  }
  const heldBack = state.heldBack;
  state.at = now;
  state.heldBack = 0;
  target.logger.warn(
    {
      network: target.networkId,
      ...fields,
      ...(heldBack > 0 ? { alsoUnconfirmed: heldBack } : {}),
    },
    heldBack > 0 ? `${message} (and ${heldBack} more since the last warning)` : message,
  );
}

/** Connection breaks seen per client: a reply before a break and one after may disagree. */
const breaks = new WeakMap<object, { count: number }>();

function breaksOf(client: Redis): number {
  let seen = breaks.get(client);
  if (!seen) {
    const counter = { count: 0 };
    client.on('close', () => {
      counter.count++;
    });
    breaks.set(client, counter);
    seen = counter;
  }
  return seen.count;
}

/**
 * Combines the replies of two runs of one write whose first run's fate was unknown. A pop
 * sent again with the same request returns what it took, or takes anew if the first was lost:
 * the second reply holds. Moves report the keys moved: the union (the first run's moves, when
 * they survived, leave nothing for the second to move). Anything else: the second reply.
 */
function merge(script: string, first: unknown, again: unknown): unknown {
  if (script === 'pop_task') return again;
  if (script === 'complete_and_pop') {
    const [settled] = first as [unknown[], unknown];
    const [settledAgain, taken, due] = again as [unknown[], unknown, unknown];
    return [union(settled, settledAgain), taken, due];
  }
  return Array.isArray(first) && Array.isArray(again) ? union(first, again) : again;
}

function union(first: unknown[], again: unknown[]): unknown[] {
  const seen = new Set(first.map(String));
  return [...first, ...again.filter((item) => !seen.has(String(item)))];
}
