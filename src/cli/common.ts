/**
 * Helpers shared by the commands: connecting, failing in one line, tables, value formatting.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { RushError } from '../errors.js';
import { configToUrl, type ResolvedRedisConfig, resolveConfig } from '../redis/config.js';
import { Rush } from '../rush.js';

/** Exit code of usage errors (bad arguments). */
export const USAGE_ERROR = 2;

/** A usage error: reported like commander's own, exit code 2. */
export class UsageError extends Error {}

/** The Redis config of a command: `--url`, else `REDIS_URL`, else the default. */
export function cliConfig(url: string | undefined): ResolvedRedisConfig {
  return resolveConfig(url, undefined);
}

export function redacted(config: ResolvedRedisConfig): string {
  return configToUrl(config, { redact: true });
}

/** A manager of the network for one command. */
export async function openNetwork(networkId: string, url: string | undefined): Promise<Rush> {
  return new Rush({ networkId, config: cliConfig(url) }).connect();
}

/** Prints one line on stderr, no stack trace, and exits non-zero. */
export function fail(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rushnet: ${message.split('\n')[0]}\n`);
  process.exit(error instanceof UsageError ? USAGE_ERROR : error instanceof RushError ? 1 : 70);
}

/** Wraps a command's action: errors end in one line. */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      fail(error);
    }
  };
}

/** Adds `--url` to a command. */
export function withUrl(command: Command): Command {
  return command.option(
    '--url <redis-url>',
    'Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)',
  );
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number > 0');
  return n;
}

/** Formats rows as an aligned text table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** Waits for SIGINT or SIGTERM (for --watch and --follow). */
export function untilInterrupted(): {
  stopped: () => boolean;
  wait: (ms: number) => Promise<void>;
} {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    stopped: () => stopped,
    wait: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}
