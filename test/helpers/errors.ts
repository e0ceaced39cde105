/**
 * Expecting an error from a synchronous call: what it throws, checked to be of the class the
 * test expects, so that the assertions that follow can read its message and fields. A call
 * that returns instead fails the test.
 */
import { expect } from 'vitest';

/** What `run` throws, checked to be an instance of `kind`. */
export function thrownBy<E extends Error>(
  kind: abstract new (...args: never[]) => E,
  run: () => unknown,
): E {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(kind);
    return error as E;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}
