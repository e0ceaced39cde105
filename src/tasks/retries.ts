/**
 * Retry options of `pushTasks` (`maxRetries`, `retryDelay`), checked before anything is
 * written, and their stored form: the policy string a task's hash keeps and the Lua scripts
 * read when a try fails (see _fail_task.lua and docs/lifecycle.md).
 */
import { describeValue, RushInputError } from '../errors.js';
import { isPlainObject } from '../validate.js';

/** The most retries a task may have. */
export const MAX_RETRIES = 1000;

/** The longest wait before a retry (a week, in seconds): longer is a mistake, not a backoff. */
export const MAX_RETRY_DELAY = 7 * 24 * 3600;

/** A checked retry policy; delays in milliseconds. */
export interface RetryPolicy {
  maxRetries: number;
  initialMs: number;
  factor: number;
  /** The longest wait, or -1 for none. */
  maxMs: number;
}

function seconds(name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || value > MAX_RETRY_DELAY) {
    throw new RushInputError(
      name,
      `must be a number of seconds from 0 to ${MAX_RETRY_DELAY}, got ${describeValue(value)}`,
    );
  }
  return value;
}

/**
 * Checks `maxRetries` and `retryDelay`. Returns the policy, or undefined when the task has no
 * retries (the default): then nothing about retries is stored.
 */
export function checkRetries(maxRetries: unknown, retryDelay: unknown): RetryPolicy | undefined {
  const max = maxRetries ?? 0;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > MAX_RETRIES) {
    throw new RushInputError(
      'maxRetries',
      `must be an integer from 0 to ${MAX_RETRIES}, got ${describeValue(maxRetries)}`,
    );
  }
  let policy: Omit<RetryPolicy, 'maxRetries'>;
  const delay = retryDelay ?? 0;
  if (typeof delay === 'number') {
    policy = { initialMs: Math.round(seconds('retryDelay', delay) * 1000), factor: 1, maxMs: -1 };
  } else if (isPlainObject(delay)) {
    for (const name of Object.keys(delay)) {
      if (!['initial', 'factor', 'max'].includes(name))
        throw new RushInputError(
          `retryDelay.${name}`,
          'is not a known option (known: initial, factor, max)',
        );
    }
    const initial = seconds('retryDelay.initial', delay.initial);
    const factor = delay.factor ?? 2;
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor < 1 || factor > 1000) {
      throw new RushInputError(
        'retryDelay.factor',
        `must be a number from 1 to 1000, got ${describeValue(delay.factor)}`,
      );
    }
    let maxMs = -1;
    if (delay.max !== undefined) {
      const cap = seconds('retryDelay.max', delay.max);
      if (cap < initial) {
        throw new RushInputError(
          'retryDelay.max',
          `must be at least retryDelay.initial (${initial}), got ${describeValue(delay.max)}`,
        );
      }
      maxMs = Math.round(cap * 1000);
    }
    policy = { initialMs: Math.round(initial * 1000), factor, maxMs };
  } else {
    throw new RushInputError(
      'retryDelay',
      `must be a number of seconds or { initial, factor?, max? }, got ${describeValue(retryDelay)}`,
    );
  }
  return max === 0 ? undefined : { maxRetries: max, ...policy };
}

/** The stored form: "<maxRetries> <initial ms> <factor> <max ms or -1>". */
export function encodeRetryPolicy(policy: RetryPolicy | undefined): string {
  if (policy === undefined) return '';
  return `${policy.maxRetries} ${policy.initialMs} ${policy.factor} ${policy.maxMs}`;
}

/** Milliseconds before the retry that follows try `tries` (1 for the first failed try). */
export function retryDelayMs(policy: RetryPolicy, tries: number): number {
  const delay = policy.initialMs * policy.factor ** Math.max(tries - 1, 0);
  return Math.floor(policy.maxMs >= 0 ? Math.min(delay, policy.maxMs) : delay);
}
