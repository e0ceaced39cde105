/**
 * Helpers shared by the commands: connecting, failing in one line, tables, value formatting.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { RushError, RushInputError } from '../errors.js';
import {
  checkFile,
  configToUrl,
  normalizeConfig,
  plainConfig,
  type RedisTlsOptions,
  type ResolvedRedisConfig,
  resolveConfig,
} from '../redis/config.js';
import { Rush } from '../rush.js';

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
    if (flags.url !== undefined && error instanceof RushInputError) {
      throw new UsageError(error.message);
    }
    throw error;
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

export function redacted(config: ResolvedRedisConfig): string {
  return configToUrl(config, { redact: true });
}

/** A manager of the network for one command. */
export async function openNetwork(networkId: string, flags: ConnectionFlags): Promise<Rush> {
  return new Rush({ networkId, config: cliConfig(flags) }).connect();
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
