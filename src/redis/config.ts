/**
 * Redis connection settings (docs/concepts.md, configuration): a URL, a standalone options object, a Redis Cluster or a
 * Sentinel-monitored primary, with TLS that names files. Checked and brought into one normalized
 * form, resolved against the plan, the environment and the default address, and handed to
 * workers through their environment. Passwords never leave this module unredacted except into
 * the client and the workers' environment.
 */
import { RushConfigError, RushInputError } from '../errors.js';
import { normalizeConfig } from './config-checks.js';
import type { RedisConfig, ResolvedAddress, ResolvedRedisConfig } from './config-types.js';

export type {
  RedisAddress,
  RedisClusterOptions,
  RedisConfig,
  RedisConnectionOptions,
  RedisSentinelOptions,
  RedisTlsOptions,
  ResolvedAddress,
  ResolvedClusterConfig,
  ResolvedRedisConfig,
  ResolvedSentinelConfig,
  ResolvedStandaloneConfig,
  ResolvedTls,
} from './config-types.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Environment variable that carries a whole config (JSON) to workers. */
export const CONFIG_ENV = 'RUSHNET_REDIS_CONFIG';

/**
 * The config to use: the explicit one, else the plan's, else the environment
 * (`RUSHNET_REDIS_CONFIG`, then `REDIS_URL`), else the default.
 */
export function resolveConfig(
  explicit: RedisConfig | undefined,
  planned: RedisConfig | undefined,
): ResolvedRedisConfig {
  if (explicit !== undefined) return normalizeConfig(explicit);
  if (planned !== undefined) return normalizeConfig(planned);
  const env = process.env;
  if (env[CONFIG_ENV]) return normalizeConfig(configFromEnv(env)!, CONFIG_ENV);
  if (env.REDIS_URL) return normalizeConfig(env.REDIS_URL, 'REDIS_URL');
  return normalizeConfig(DEFAULT_REDIS_URL);
}

/**
 * The config as a URL; with `redact`, the password reads `<redacted>`. A cluster or sentinel
 * config has no URL: redacted, it gets a description ({@link describeConfig}); unredacted, it
 * is an error (hand it over with {@link configToEnv}).
 */
export function configToUrl(config: ResolvedRedisConfig, { redact }: { redact: boolean }): string {
  if (config.kind !== 'standalone') {
    if (redact) return describeConfig(config);
    throw new RushConfigError(
      `a ${config.kind} config has no URL form: hand it over with configToEnv()`,
    );
  }
  const scheme = config.tls ? 'rediss' : 'redis';
  return `${scheme}://${auth(config, redact)}${address(config)}${config.db ? `/${config.db}` : ''}`;
}

/** A readable description for messages, password redacted, e.g. `redis-cluster://h:1,h:2`. */
export function describeConfig(config: ResolvedRedisConfig): string {
  const tls = config.tls ? ' (TLS)' : '';
  switch (config.kind) {
    case 'standalone':
      return configToUrl(config, { redact: true });
    case 'cluster':
      return `redis-cluster://${auth(config, true)}${addresses(config.cluster)}${tls}`;
    case 'sentinel':
      return (
        `redis-sentinel://${auth(config, true)}${addresses(config.sentinels)}/${config.name}` +
        `${config.db ? `/${config.db}` : ''}${tls}`
      );
  }
}

function auth(config: { username?: string; password?: string }, redact: boolean): string {
  const user = config.username ? encodeURIComponent(config.username) : '';
  const pass = config.password ? (redact ? '<redacted>' : encodeURIComponent(config.password)) : '';
  return user || pass ? `${user}${pass ? `:${pass}` : ''}@` : '';
}

function address({ host, port }: ResolvedAddress): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function addresses(list: readonly ResolvedAddress[]): string {
  const shown = list.slice(0, 3).map(address).join(',');
  return list.length > 3 ? `${shown},… (${list.length} nodes)` : shown;
}

/** A plain copy that carries every property, passwords included (for JSON and the client). */
export function plainConfig(config: ResolvedRedisConfig): ResolvedRedisConfig {
  const secrets = { username: config.username, password: config.password };
  if (config.kind === 'sentinel') {
    return {
      ...config,
      ...secrets,
      sentinelUsername: config.sentinelUsername,
      sentinelPassword: config.sentinelPassword,
    };
  }
  return { ...config, ...secrets };
}

/**
 * Environment variables that hand the whole config to a worker process: `RUSHNET_REDIS_CONFIG`
 * (JSON, TLS file paths included) and, for a standalone server, `REDIS_URL`. They hold the
 * password: pass them in the environment only, never on a command line.
 */
export function configToEnv(config: ResolvedRedisConfig): Record<string, string> {
  const env: Record<string, string> = { [CONFIG_ENV]: JSON.stringify(plainConfig(config)) };
  if (config.kind === 'standalone') env.REDIS_URL = configToUrl(config, { redact: false });
  return env;
}

/**
 * The config an environment names: `RUSHNET_REDIS_CONFIG` (checked), else `REDIS_URL`, else
 * `undefined`. @throws RushInputError naming the variable when it is malformed.
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RedisConfig | undefined {
  const json = env[CONFIG_ENV];
  if (json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new RushInputError(CONFIG_ENV, 'is not valid JSON'); // never echo: it has passwords
    }
    normalizeConfig(parsed as RedisConfig, CONFIG_ENV);
    return parsed as RedisConfig;
  }
  return env.REDIS_URL ? env.REDIS_URL : undefined;
}

/** A frozen copy whose passwords are not enumerable, so printing or serializing it hides them. */
export function hidePassword(config: ResolvedRedisConfig): Readonly<ResolvedRedisConfig> {
  const out = { ...plainConfig(config) } as Record<string, unknown>;
  for (const secret of ['password', 'sentinelPassword']) {
    if (!(secret in out)) continue;
    const value = out[secret];
    delete out[secret];
    Object.defineProperty(out, secret, { value, enumerable: false });
  }
  return Object.freeze(out) as unknown as Readonly<ResolvedRedisConfig>;
}

export { toClientOptions } from './client-options.js';

export { checkFile, normalizeConfig } from './config-checks.js';
