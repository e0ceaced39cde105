/**
 * Redis connection settings (SPEC §3): a URL or an options object, resolved against the plan,
 * the `REDIS_URL` environment variable and the default address. Passwords never leave this
 * module unredacted except into the client itself.
 */
import type { RedisOptions } from 'ioredis';
import { describeValue, RushInputError } from '../errors.js';

/** Connection options, the alternative to a `redis://` / `rediss://` URL. */
export interface RedisConnectionOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 6379 */
  port?: number;
  username?: string;
  password?: string;
  /** Database number. @default 0 */
  db?: number;
  /** `true` or TLS options for `rediss`. @default false */
  tls?: boolean | Record<string, unknown>;
}

/** A Redis URL (`redis://user:pass@host:port/db`, `rediss://` for TLS) or an options object. */
export type RedisConfig = string | RedisConnectionOptions;

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The settings in one normalized form. */
export interface ResolvedRedisConfig {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: boolean | Record<string, unknown>;
}

/** Parses and checks a config; throws {@link RushInputError} naming `argument`. */
export function normalizeConfig(config: RedisConfig, argument = 'config'): ResolvedRedisConfig {
  if (typeof config === 'string') return parseUrl(config, argument);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new RushInputError(
      argument,
      `must be a Redis URL or an options object, got ${describeValue(config)}`,
    );
  }
  const { host = '127.0.0.1', port = 6379, username, password, db = 0, tls = false } = config;
  if (typeof host !== 'string' || host === '') {
    throw new RushInputError(
      `${argument}.host`,
      `must be a non-empty string, got ${describeValue(host)}`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RushInputError(
      `${argument}.port`,
      `must be an integer from 1 to 65535, got ${describeValue(port)}`,
    );
  }
  if (!Number.isInteger(db) || db < 0) {
    throw new RushInputError(
      `${argument}.db`,
      `must be a non-negative integer, got ${describeValue(db)}`,
    );
  }
  for (const [name, v] of [
    ['username', username],
    ['password', password],
  ] as const) {
    if (v !== undefined && typeof v !== 'string') {
      throw new RushInputError(`${argument}.${name}`, 'must be a string');
    }
  }
  if (typeof tls !== 'boolean' && (typeof tls !== 'object' || tls === null)) {
    throw new RushInputError(
      `${argument}.tls`,
      `must be a boolean or an options object, got ${describeValue(tls)}`,
    );
  }
  return { host, port, username, password, db, tls };
}

function parseUrl(text: string, argument: string): ResolvedRedisConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The text may hold a password: never echo it.
    throw new RushInputError(
      argument,
      'is not a valid URL (expected redis://host:port or rediss://host:port)',
    );
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new RushInputError(
      argument,
      `must use the redis:// or rediss:// scheme, got ${url.protocol}//`,
    );
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  const dbText = url.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new RushInputError(
      argument,
      `has a bad database number ${JSON.stringify(dbText)} in its path`,
    );
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port,
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db,
    tls: url.protocol === 'rediss:',
  };
}

/** The config to use: the explicit one, else the plan's, else `REDIS_URL`, else the default. */
export function resolveConfig(
  explicit: RedisConfig | undefined,
  planned: RedisConfig | undefined,
): ResolvedRedisConfig {
  if (explicit !== undefined) return normalizeConfig(explicit);
  if (planned !== undefined) return normalizeConfig(planned);
  const fromEnv = process.env.REDIS_URL;
  if (fromEnv !== undefined && fromEnv !== '') return normalizeConfig(fromEnv, 'REDIS_URL');
  return normalizeConfig(DEFAULT_REDIS_URL);
}

/** The config as a URL; with `redact`, the password reads `<redacted>`. */
export function configToUrl(config: ResolvedRedisConfig, { redact }: { redact: boolean }): string {
  const scheme = config.tls ? 'rediss' : 'redis';
  const user = config.username ? encodeURIComponent(config.username) : '';
  const pass = config.password ? (redact ? '<redacted>' : encodeURIComponent(config.password)) : '';
  const auth = user || pass ? `${user}${pass ? `:${pass}` : ''}@` : '';
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const db = config.db ? `/${config.db}` : '';
  return `${scheme}://${auth}${host}:${config.port}${db}`;
}

/** Options for ioredis. Commands wait through reconnects instead of failing (SPEC §10). */
export function toClientOptions(config: ResolvedRedisConfig): RedisOptions {
  return {
    host: config.host,
    port: config.port,
    username: config.username,
    password: config.password,
    db: config.db,
    ...(config.tls ? { tls: config.tls === true ? {} : config.tls } : {}),
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
    retryStrategy: (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
  };
}

/** A frozen copy whose password is not enumerable, so printing or serializing it hides it. */
export function hidePassword(config: ResolvedRedisConfig): Readonly<ResolvedRedisConfig> {
  const { password, ...rest } = config;
  const out = { ...rest } as ResolvedRedisConfig;
  Object.defineProperty(out, 'password', { value: password, enumerable: false });
  return Object.freeze(out);
}
