/**
 * Tests that set environment variables (REDIS_URL, the config variable) put them back after
 * each test as they found them, set or unset, so that no test sees another's environment.
 */
import { afterEach } from 'vitest';

/** Restores the named variables after each test of the calling suite. */
export function restoreEnvAfterEach(names: readonly string[]): void {
  const saved = names.map((name) => [name, process.env[name]] as const);
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}
