/**
 * Error classes of rushnet. Callers branch on them with `instanceof`.
 */

/** Base class of every error rushnet raises. */
export class RushError extends Error {
  override name = 'RushError';
}

/** Configuration, connection, or a network without a stored worker configuration. */
export class RushConfigError extends RushError {
  override name = 'RushConfigError';
}

/** A bad argument: the message names the argument and says what is wrong with it. */
export class RushInputError extends RushError {
  override name = 'RushInputError';
  /** The name of the offending argument, e.g. `xss[3]` or `timeout`. */
  readonly argument: string;

  constructor(argument: string, problem: string, options?: ErrorOptions) {
    super(`\`${argument}\` ${problem}`, options);
    this.argument = argument;
  }
}

/**
 * A batch write that failed part way (say Redis reached maxmemory after some of its chunks):
 * the message says "k of n written" and `written` holds the keys that were written, so a retry
 * can leave them out instead of writing them twice.
 */
export class RushBatchError extends RushError {
  override name = 'RushBatchError';

  constructor(
    message: string,
    /** Keys of the tasks (or hashes) the failed call wrote or moved. */
    readonly written: string[],
    /** How many the call was asked to write. */
    readonly total: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /**
   * The error of a batch of which `written` landed (`verb`: created, finished, …) before
   * `cause` stopped the rest. Its message says what `cause` says, but never that nothing was
   * written.
   */
  static partial(verb: string, written: string[], total: number, cause: unknown): RushBatchError {
    const reason = outOfMemory.has(cause as Error)
      ? `${OUT_OF_MEMORY}; ${OOM_ADVICE}`
      : cause instanceof Error
        ? cause.message
        : String(cause);
    return new RushBatchError(
      `${written.length} of ${total} written (${verb}) before the rest failed: ${reason}`,
      written,
      total,
      { cause },
    );
  }
}

const OUT_OF_MEMORY =
  'Redis is out of memory: it refuses writes (maxmemory reached and its policy evicts nothing)';
const OOM_ADVICE = 'free memory or raise maxmemory, then try again';
/** The errors made by {@link explainRedisError} for an OOM reply. */
const outOfMemory = new WeakSet<Error>();

/** A wait that ran out of time. */
export class RushTimeoutError extends RushError {
  override name = 'RushTimeoutError';
}

/** Describes a value for error messages: `-1 (number)`, `"abc" (string)`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const type = typeof value;
  if (type === 'string') {
    const s = value as string;
    return `${visible(JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s))} (string)`;
  }
  if (type === 'number' || type === 'boolean' || type === 'bigint' || type === 'undefined') {
    return `${String(value)} (${type})`;
  }
  if (type === 'function') return 'a function';
  if (type === 'symbol') return 'a symbol';
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

/**
 * Escapes what JSON.stringify leaves as it is but a terminal would act on or hide: DEL, C1
 * controls and format characters (zero-width, bidirectional overrides). Values quoted in error
 * messages often come from Redis or a command line.
 */
function visible(json: string): string {
  return json.replace(/[\u007f-\u009f]|\p{Cf}/gu, (c) => {
    const code = c.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Awaits a Redis command, explaining its error (see explainRedisError). */
export async function explained<T>(reply: Promise<T>): Promise<T> {
  try {
    return await reply;
  } catch (error) {
    throw explainRedisError(error);
  }
}

/**
 * Turns a Redis error reply into a clearer rushnet error where rushnet knows what it means
 * (out of memory, a permission the Redis user lacks); other errors, and errors rushnet already
 * explained, pass through unchanged.
 */
export function explainRedisError(error: unknown): unknown {
  if (error instanceof RushError) return error;
  const previous = (error as { previousErrors?: Error[] } | null)?.previousErrors ?? [];
  const oom = (e: unknown) => e instanceof Error && /^OOM\b/.test(e.message);
  if (oom(error) || previous.some(oom)) {
    // One script call (or transaction) is all or nothing: refused, it wrote nothing. A batch of
    // several that fails part way says what it wrote instead (RushBatchError.partial).
    const explained = new RushError(
      `${OUT_OF_MEMORY}, so nothing of this call was written; ${OOM_ADVICE}`,
      { cause: error },
    );
    outOfMemory.add(explained);
    return explained;
  }
  return explainPermission(error);
}

/** What ioredis rejects a command with once its connection has ended. */
const CONNECTION_CLOSED = 'Connection is closed.';

/** The error of a command that a closed rushnet instance tried to send. */
export function closedError(cause?: unknown): RushError {
  return new RushError(
    'this rushnet instance is closed: close() ended its Redis connections, so it sends nothing any more (create a new instance)',
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Every error reply of a rushnet connection, made clear where rushnet knows what it means: a
 * command sent on a connection that `close()` ended (`closedByRushnet`: ioredis then says
 * "Connection is closed.") is {@link closedError}, and a permission the Redis user lacks is
 * {@link explainPermission}'s error. Applied to every reply (see createClient), at no cost to
 * replies that succeed.
 */
export function explainReply(error: unknown, closedByRushnet: boolean): unknown {
  if (closedByRushnet && error instanceof Error && error.message === CONNECTION_CLOSED)
    return closedError(error);
  return explainPermission(error);
}

/** What each permission error made by {@link explainPermission} says is missing. */
const missing = new WeakMap<Error, string>();

/**
 * A NOPERM reply (or its equivalent from inside a script, or a transaction Redis discarded
 * because of one) as the RushConfigError that names the missing permission; other errors pass
 * through unchanged. Every rushnet connection applies it to every reply (see createClient).
 */
export function explainPermission(error: unknown): unknown {
  if (error instanceof RushError) return error;
  const denied = missingPermission(error);
  if (denied === undefined) return error;
  const explained = new RushConfigError(
    `the Redis user lacks a permission rushnet needs: ${denied} ` +
      "(grant the network's ACL rules, see SECURITY.md)",
    { cause: error },
  );
  missing.set(explained, denied);
  return explained;
}

/**
 * What a NOPERM reply (or its equivalent from inside a script, or the error
 * {@link explainPermission} made of it) says is missing, e.g. "the command 'config|get'";
 * `undefined` for other errors. A transaction that Redis discarded carries the replies of its
 * commands in `previousErrors`, which are searched too.
 */
export function missingPermission(error: unknown): string | undefined {
  const previous = (error as { previousErrors?: unknown[] } | null)?.previousErrors ?? [];
  for (const e of [error, ...previous]) {
    const denied = deniedBy(e);
    if (denied !== undefined) return denied;
  }
  return undefined;
}

function deniedBy(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const known = missing.get(error);
  if (known !== undefined) return known;
  const message = error.message;
  if (/^NOPERM\b/.test(message)) {
    const command = /permissions to run the '([^']+)' command/.exec(message)?.[1];
    if (command !== undefined) return `the command '${command}'`;
    if (/one of the keys/.test(message)) return "access to a key (the rules' ~key pattern)";
    if (/one of the channels/.test(message))
      return "access to a channel (the rules' &channel pattern)";
    return message.split('\n')[0]!.replace(/^NOPERM\s*/, '');
  }
  if (/user executing the script can't access at least one of the keys/.test(message))
    return "access to a key from a script (the rules' ~key pattern)";
  if (/user executing the script can't run this command/.test(message))
    return 'a command a rushnet script runs (see the command list in SECURITY.md)';
  return undefined;
}
