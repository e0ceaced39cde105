/** Unit tests of the argument checks: each names its argument and says what is wrong. */
import { describe, expect, it } from 'vitest';
import { RushInputError } from '../../src/index.js';
import {
  checkCompanion,
  checkCount,
  checkDirectory,
  checkFields,
  checkHeartbeat,
  checkKeys,
  checkNetworkId,
  checkObjectArray,
  checkOptions,
  checkPositiveInteger,
  checkSeconds,
  checkStates,
  checkWorkerId,
  MAX_SECONDS,
} from '../../src/validate.js';
import { thrownBy } from '../helpers/errors.js';

/** The RushInputError that `fn` throws. */
const inputError = (fn: () => unknown) => thrownBy(RushInputError, fn);

describe('argument checks', () => {
  it('options: only known keys of a plain object', () => {
    type Options = { a?: number };
    const check = (value: unknown) => checkOptions<Options>('options', value as Options, ['a']);
    expect(check(undefined)).toEqual({});
    expect(inputError(() => check({ b: 1 })).message).toMatch(/options\.b/);
    expect(inputError(() => check(5)).argument).toBe('options');
  });

  it('task inputs: an array of plain objects', () => {
    expect(checkObjectArray('xss', [{ x: 1 }])).toHaveLength(1);
    expect(inputError(() => checkObjectArray('xss', [{}, 3])).argument).toBe('xss[1]');
    expect(inputError(() => checkObjectArray('xss', 'no')).argument).toBe('xss');
  });

  it('companions: the same length, or length 1', () => {
    expect(checkCompanion('yss', [{ y: 1 }], 3)).toHaveLength(1);
    expect(checkCompanion('yss', undefined, 3)).toBeUndefined();
    expect(inputError(() => checkCompanion('yss', [{}, {}], 3)).argument).toBe('yss');
  });

  it('keys and fields: non-empty strings; no field named key', () => {
    expect(inputError(() => checkKeys('keys', ['a', ''])).argument).toBe('keys[1]');
    expect(inputError(() => checkFields('fields', ['xs', 'key'])).argument).toBe('fields[1]');
    expect(
      checkKeys(
        'keys',
        Array.from({ length: 200_000 }, (_, i) => `k${i}`),
      ),
    ).toHaveLength(200_000);
  });

  it('seconds, counts and states', () => {
    expect(checkSeconds('timeout', Number.POSITIVE_INFINITY, { infinite: true })).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(inputError(() => checkSeconds('timeout', -1)).argument).toBe('timeout');
    expect(inputError(() => checkSeconds('timeout', Number.NaN)).argument).toBe('timeout');
    expect(inputError(() => checkCount('logBufferSize', 1.5)).argument).toBe('logBufferSize');
    expect(inputError(() => checkStates('states', ['done'])).argument).toBe('states[0]');
  });

  it('every number has a bound that Redis and timers accept', () => {
    // Times: up to 2^31 - 1 s; Infinity only where allowed ("forever"); -0 is 0.
    expect(checkSeconds('timeout', MAX_SECONDS)).toBe(MAX_SECONDS);
    expect(Object.is(checkSeconds('timeout', -0), 0)).toBe(true);
    for (const bad of [
      1e300,
      MAX_SECONDS + 1,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]) {
      expect(inputError(() => checkSeconds('timeout', bad)).message).toMatch(/up to 2147483647/);
    }
    expect(inputError(() => checkSeconds('timeout', 1e300, { infinite: true })).message).toMatch(
      /up to 2147483647 \(or Infinity\)/,
    );
    expect(inputError(() => checkSeconds('timeout', '5')).argument).toBe('timeout');
    // Heartbeats: the period and the expiry within what SET EX accepts.
    for (const period of [1e20, MAX_SECONDS + 1, Number.POSITIVE_INFINITY, -0, 0.5]) {
      expect(inputError(() => checkHeartbeat(period, undefined)).argument).toBe('heartbeatPeriod');
    }
    expect(inputError(() => checkHeartbeat(1, 2 ** 31)).argument).toBe('heartbeatExpire');
    expect(checkHeartbeat(MAX_SECONDS, undefined)).toEqual([MAX_SECONDS, MAX_SECONDS]);
    expect(checkHeartbeat(1e9, undefined)).toEqual([1e9, MAX_SECONDS]);
    // Counts: safe integers only.
    for (const bad of [1e20, 2 ** 53, Number.POSITIVE_INFINITY, -1]) {
      expect(inputError(() => checkCount('logBufferSize', bad)).argument).toBe('logBufferSize');
      expect(inputError(() => checkPositiveInteger('n', bad)).argument).toBe('n');
    }
    expect(Object.is(checkCount('logBufferSize', -0), 0)).toBe(true);
    expect(inputError(() => checkPositiveInteger('nWorkers', 11, 10)).message).toMatch(/up to 10/);
  });

  it('ids: no braces (they would break the hash tag) or white space', () => {
    expect(inputError(() => checkNetworkId('networkId', 'a{b}')).argument).toBe('networkId');
    expect(inputError(() => checkWorkerId('workerId', 'a:b')).argument).toBe('workerId');
    expect(checkWorkerId('workerId', 'w-1')).toBe('w-1');
  });

  it('heartbeats: an integer period, an expiry at least the period', () => {
    expect(checkHeartbeat(undefined, undefined)).toEqual([undefined, undefined]);
    expect(checkHeartbeat(2, undefined)).toEqual([2, 6]);
    expect(inputError(() => checkHeartbeat(0, undefined)).argument).toBe('heartbeatPeriod');
    expect(inputError(() => checkHeartbeat(2, 1)).argument).toBe('heartbeatExpire');
    expect(inputError(() => checkHeartbeat(undefined, 3)).argument).toBe('heartbeatExpire');
  });

  it('directories: named in full when missing', () => {
    const path = `/nonexistent/${'x'.repeat(80)}`;
    const error = inputError(() => checkDirectory('messageLog', path));
    expect(error.argument).toBe('messageLog');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/does not exist/);
    expect(inputError(() => checkDirectory('messageLog', '/etc/hostname')).message).toMatch(
      /is not a directory/,
    );
  });
});
