/**
 * Helpers shared by the commands: connecting, failing in one line (exit 2 for a bad argument),
 * argument checks, tables, value formatting.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { explainRedisError, RushError, RushInputError } from '../errors.js';
import {
  checkFile,
  normalizeConfig,
  plainConfig,
  type RedisTlsOptions,
  type ResolvedRedisConfig,
  resolveConfig,
} from '../redis/config.js';
import { Rush } from '../rush.js';
import { checkDirectory, checkNetworkId, checkWorkerId, MAX_SECONDS } from '../validate.js';
import { visible } from './sanitize.js';

/** Exit code of usage errors (bad arguments). */
export const USAGE_ERROR = 2;

/** A usage error: reported like commander's own, exit code 2. */
export class UsageError extends Error {}

/** The connection flags of a command (see {@link withUrl}). */
export interface ConnectionFlags {
  url?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/**
 * The Redis config of a command: `--url`, else the environment (`RUSHNET_REDIS_CONFIG`,
 * `REDIS_URL`), else the default; `--tls-ca/--tls-cert/--tls-key` add TLS files (and turn TLS
 * on). A bad `--url` or a missing file is a {@link UsageError}.
 */
export function cliConfig(flags: ConnectionFlags): ResolvedRedisConfig {
  let config: ResolvedRedisConfig;
  try {
    config =
      flags.url === undefined
        ? resolveConfig(undefined, undefined)
        : normalizeConfig(flags.url, '--url');
  } catch (error) {
    // A malformed URL is a bad argument wherever it comes from (`--url`, `REDIS_URL`,
    // `RUSHNET_REDIS_CONFIG`). A RushInputError never echoes the password; anything else gets a
    // message of our own.
    const name = flags.url !== undefined ? '`--url`' : 'the Redis URL of the environment';
    throw new UsageError(
      error instanceof RushInputError ? error.message : `${name} is not a valid Redis URL`,
    );
  }
  const files: RedisTlsOptions = {};
  for (const [flag, value, name] of [
    ['--tls-ca', flags.tlsCa, 'caFile'],
    ['--tls-cert', flags.tlsCert, 'certFile'],
    ['--tls-key', flags.tlsKey, 'keyFile'],
  ] as const) {
    if (value === undefined) continue;
    try {
      files[name] = checkFile(value, flag);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) {
    throw new UsageError('`--tls-cert` and `--tls-key` go together: give both or neither');
  }
  if (Object.keys(files).length === 0) return config;
  const plain = plainConfig(config);
  const tls = { ...(plain.tls || {}), ...files };
  return normalizeConfig(
    plain.kind === 'sentinel' && plain.sentinelTls
      ? { ...plain, tls, sentinelTls: { ...plain.sentinelTls, ...files } }
      : { ...plain, tls },
  );
}

export { redacted } from '../redact.js';

/** A manager of the network for one command. */
export async function openNetwork(networkId: string, flags: ConnectionFlags): Promise<Rush> {
  return new Rush({ networkId, config: cliConfig(flags) }).connect();
}

/** Whether an error is a write into a pipe whose reader is gone (`rushnet … | head`). */
export function isClosedPipe(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'EPIPE';
}

/**
 * Prints one line on stderr, no stack trace, and exits non-zero; a closed stdout ends quietly
 * (the reader has what it wanted).
 */
export function fail(failure: unknown): never {
  if (isClosedPipe(failure)) process.exit(0);
  const error = explainRedisError(failure); // e.g. a permission the Redis user lacks
  const message = error instanceof Error ? error.message : String(error);
  // A message may quote text from Redis (a failure, an id): shown, never interpreted.
  process.stderr.write(`rushnet: ${visible(message.split('\n')[0]!)}\n`);
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

/** Adds `--url` and the TLS file flags to a command (read them with {@link cliConfig}). */
export function withUrl(command: Command): Command {
  return command
    .option('--url <redis-url>', 'Redis URL (default: $REDIS_URL, else redis://127.0.0.1:6379)')
    .option('--tls-ca <file>', "TLS: the CA certificate (PEM) that signed the server's certificate")
    .option('--tls-cert <file>', 'TLS: a client certificate (PEM), with --tls-key')
    .option('--tls-key <file>', "TLS: the client certificate's private key (PEM)");
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

/** A whole number of seconds that Redis accepts as an expiry (1 to 2^31 - 1). */
export function seconds(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isInteger(n) || n < 1 || n > MAX_SECONDS)
    throw new InvalidArgumentError(`must be a whole number of seconds from 1 to ${MAX_SECONDS}`);
  return n;
}

/** Turns a library check's RushInputError into commander's (exit code 2). */
function asArgument<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const problem = message.replace(/^`[^`]*` /, ''); // commander names the flag itself
    throw new InvalidArgumentError(problem.charAt(0).toUpperCase() + problem.slice(1));
  }
}

/** A network id (`--network`). */
export function networkId(value: string): string {
  return asArgument(() => checkNetworkId('--network', value));
}

/** A worker id (`--worker-id`, `--worker`). */
export function workerId(value: string): string {
  return asArgument(() => checkWorkerId('--worker-id', value));
}

/** The environment variable that gives `--network` its default. */
export const NETWORK_ENV = 'RUSHNET_NETWORK';

/**
 * `--network <id>`, defaulting to `RUSHNET_NETWORK` (the command line's default only: the
 * library does not read it). `required`: a command that needs a network.
 */
export function networkOption(required: boolean): Option {
  const option = new Option('--network <id>', 'network id').env(NETWORK_ENV).argParser(networkId);
  return required ? option.makeOptionMandatory() : option;
}

/**
 * `--worker <id...>`: one or more worker ids, given after one flag (`--worker a b`) or by
 * repeating it (`--worker a --worker b`), or both.
 */
export function workersOption(description: string): Option {
  return new Option('--worker <id...>', description).argParser(
    (value: string, previous: string[] | undefined) => [...(previous ?? []), workerId(value)],
  );
}

/** An existing directory (`--message-log`, `--output-log`). */
export function directory(value: string): string {
  return asArgument(() => checkDirectory('directory', value));
}

/**
 * A file this process can write (`--out`): an existing writable file, or a new one in an
 * existing writable directory. Checked before connecting, so a typo costs nothing.
 */
export function outputFile(value: string): string {
  const path = resolve(value);
  const reason = unwritable(path);
  if (reason !== undefined) throw new InvalidArgumentError(`Cannot write ${value}: ${reason}`);
  return value;
}

/** Why a file cannot be written, or `undefined` when it can. */
export function unwritable(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return 'it is a directory';
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ENOENT') return code === 'EACCES' ? 'permission denied' : String(code);
  }
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? `its directory ${dir} does not exist`
      : `its directory ${dir} cannot be written`;
  }
}

/** The longest a timer waits: setTimeout fires at once past 2^31 - 1 ms. */
const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A number of seconds > 0 that a timer can wait (at most about 24 days). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > MAX_TIMER_SECONDS)
    throw new InvalidArgumentError(`must be a number > 0 and at most ${MAX_TIMER_SECONDS}`);
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
