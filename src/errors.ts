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
    return `${JSON.stringify(s.length > 40 ? s.slice(0, 40) + '…' : s)} (string)`;
  }
  if (type === 'number' || type === 'boolean' || type === 'bigint' || type === 'undefined') {
    return `${String(value)} (${type})`;
  }
  if (type === 'function') return 'a function';
  if (type === 'symbol') return 'a symbol';
  const ctor = (value as object).constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
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
 * (out of memory); other errors pass through unchanged.
 */
export function explainRedisError(error: unknown): unknown {
  const previous = (error as { previousErrors?: Error[] } | null)?.previousErrors ?? [];
  const oom = (e: unknown) => e instanceof Error && /^OOM\b/.test(e.message);
  if (oom(error) || previous.some(oom)) {
    return new RushError(
      'Redis is out of memory: it refuses writes (maxmemory reached and its policy evicts nothing), ' +
        'so nothing of this call was written; free memory or raise maxmemory, then try again',
      { cause: error },
    );
  }
  return error;
}
