/**
 * Checking a Redis config (docs/concepts.md, configuration) and bringing it into its normalized form: URLs, standalone
 * options, clusters, sentinels and TLS files. Every bad value is a RushInputError that names
 * the argument (e.g. `config.tls.caFile`) and never echoes a password.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { describeValue, RushInputError } from '../errors.js';
import { checkOptions, isPlainObject } from '../validate.js';
import type {
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

const STANDALONE_KEYS = ['kind', 'host', 'port', 'username', 'password', 'db', 'tls'] as const;
const CLUSTER_KEYS = ['kind', 'cluster', 'username', 'password', 'tls'] as const;
const SENTINEL_KEYS = [
  ...['kind', 'sentinels', 'name', 'username', 'password', 'sentinelUsername'],
  ...['sentinelPassword', 'db', 'tls', 'sentinelTls'],
] as const;
const TLS_KEYS = ['caFile', 'certFile', 'keyFile', 'servername', 'rejectUnauthorized'] as const;

/** Parses and checks a config; throws {@link RushInputError} naming `argument`. */
export function normalizeConfig(config: RedisConfig, argument = 'config'): ResolvedRedisConfig {
  if (typeof config === 'string') return parseUrl(config, argument);
  if (!isPlainObject(config)) {
    throw new RushInputError(
      argument,
      `must be a Redis URL or an options object, got ${describeValue(config)}`,
    );
  }
  const kind = 'cluster' in config ? 'cluster' : 'sentinels' in config ? 'sentinel' : 'standalone';
  if (config.kind !== undefined && config.kind !== kind) {
    throw new RushInputError(
      `${argument}.kind`,
      `is ${describeValue(config.kind)} but the options describe a ${kind} config`,
    );
  }
  if (kind === 'cluster')
    return normalizeCluster(config as unknown as RedisClusterOptions, argument);
  if (kind === 'sentinel')
    return normalizeSentinel(config as unknown as RedisSentinelOptions, argument);
  const o = checkOptions(argument, config as RedisConnectionOptions, STANDALONE_KEYS);
  const { host = '127.0.0.1', port = 6379 } = o;
  return {
    kind: 'standalone',
    ...checkAddress({ host, port }, argument, 6379),
    ...checkCredentials(o, argument),
    db: checkDb(o.db, argument),
    tls: checkTls(o.tls, `${argument}.tls`),
  };
}

function normalizeCluster(config: RedisClusterOptions, argument: string): ResolvedClusterConfig {
  const o = checkOptions(argument, config, CLUSTER_KEYS);
  const nodes = o.cluster;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new RushInputError(
      `${argument}.cluster`,
      `must be a non-empty array of node URLs or { host, port } objects, got ${describeValue(nodes)}`,
    );
  }
  const fromUrls = new Set<string>();
  let credentials: Pick<ResolvedClusterConfig, 'username' | 'password'> | undefined;
  let rediss = false;
  const cluster = nodes.map((node, i) => {
    const name = `${argument}.cluster[${i}]`;
    if (typeof node !== 'string') return checkAddress(node, name, 6379);
    const url = parseUrl(node, name);
    if (url.db !== 0) throw new RushInputError(name, 'names a database, but a cluster has only 0');
    rediss ||= url.tls !== false;
    if (url.username !== undefined || url.password !== undefined) {
      fromUrls.add(JSON.stringify([url.username, url.password]));
      if (fromUrls.size > 1) throw new RushInputError(name, 'has other credentials than before');
      credentials = { username: url.username, password: url.password };
    }
    return { host: url.host, port: url.port };
  });
  const explicit = checkCredentials(o, argument);
  const given = explicit.username !== undefined || explicit.password !== undefined;
  return {
    kind: 'cluster',
    cluster,
    ...(given || credentials === undefined ? explicit : credentials),
    tls: checkTls(o.tls ?? rediss, `${argument}.tls`),
  };
}

function normalizeSentinel(config: RedisSentinelOptions, argument: string): ResolvedSentinelConfig {
  const o = checkOptions(argument, config, SENTINEL_KEYS);
  if (!Array.isArray(o.sentinels) || o.sentinels.length === 0) {
    throw new RushInputError(
      `${argument}.sentinels`,
      `must be a non-empty array of { host, port } objects, got ${describeValue(o.sentinels)}`,
    );
  }
  const sentinels = o.sentinels.map((s, i) =>
    checkAddress(s, `${argument}.sentinels[${i}]`, 26379),
  );
  if (typeof o.name !== 'string' || o.name === '') {
    throw new RushInputError(
      `${argument}.name`,
      `must be the monitored primary's name (non-empty string), got ${describeValue(o.name)}`,
    );
  }
  const sentinel = checkCredentials(
    { username: o.sentinelUsername, password: o.sentinelPassword },
    argument,
    ['sentinelUsername', 'sentinelPassword'],
  );
  return {
    kind: 'sentinel',
    sentinels,
    name: o.name,
    ...checkCredentials(o, argument),
    sentinelUsername: sentinel.username,
    sentinelPassword: sentinel.password,
    db: checkDb(o.db, argument),
    tls: checkTls(o.tls, `${argument}.tls`),
    sentinelTls:
      o.sentinelTls === undefined ? undefined : checkTls(o.sentinelTls, `${argument}.sentinelTls`),
  };
}

function checkAddress(value: unknown, argument: string, defaultPort: number): ResolvedAddress {
  if (!isPlainObject(value)) {
    throw new RushInputError(
      argument,
      `must be a { host, port } object, got ${describeValue(value)}`,
    );
  }
  const { host, port = defaultPort } = checkOptions(argument, value as unknown as RedisAddress, [
    'host',
    'port',
  ]);
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
  return { host, port };
}

function checkCredentials(
  o: { username?: unknown; password?: unknown },
  argument: string,
  names = ['username', 'password'],
): { username: string | undefined; password: string | undefined } {
  for (const [i, key] of (['username', 'password'] as const).entries()) {
    // Never echo the value: it may be a password.
    if (o[key] !== undefined && typeof o[key] !== 'string') {
      throw new RushInputError(`${argument}.${names[i]}`, 'must be a string');
    }
  }
  return { username: o.username as string | undefined, password: o.password as string | undefined };
}

function checkDb(db: unknown = 0, argument: string): number {
  if (!Number.isInteger(db) || (db as number) < 0) {
    throw new RushInputError(
      `${argument}.db`,
      `must be a non-negative integer, got ${describeValue(db)}`,
    );
  }
  return db as number;
}

/** Checks TLS settings; file paths become absolute and must name readable regular files. */
function checkTls(tls: unknown = false, argument: string): ResolvedTls {
  if (tls === false) return false;
  if (tls === true) return {};
  if (!isPlainObject(tls)) {
    throw new RushInputError(
      argument,
      `must be true, false or { caFile, certFile, keyFile, servername, rejectUnauthorized }, got ${describeValue(tls)}`,
    );
  }
  const o = checkOptions(argument, tls as RedisTlsOptions, TLS_KEYS);
  const out: RedisTlsOptions = {};
  for (const name of ['caFile', 'certFile', 'keyFile'] as const) {
    if (o[name] !== undefined) out[name] = checkFile(o[name], `${argument}.${name}`);
  }
  if ((out.certFile === undefined) !== (out.keyFile === undefined)) {
    const missing = out.certFile === undefined ? 'certFile' : 'keyFile';
    throw new RushInputError(
      `${argument}.${missing}`,
      'is needed too: a client certificate goes with its key',
    );
  }
  if (o.servername !== undefined) {
    if (typeof o.servername !== 'string' || o.servername === '') {
      throw new RushInputError(
        `${argument}.servername`,
        `must be a non-empty string, got ${describeValue(o.servername)}`,
      );
    }
    out.servername = o.servername;
  }
  if (o.rejectUnauthorized !== undefined) {
    if (typeof o.rejectUnauthorized !== 'boolean') {
      throw new RushInputError(
        `${argument}.rejectUnauthorized`,
        `must be a boolean, got ${describeValue(o.rejectUnauthorized)}`,
      );
    }
    out.rejectUnauthorized = o.rejectUnauthorized;
  }
  return out;
}

/** A readable regular file; returns its absolute path. */
export function checkFile(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new RushInputError(argument, `must be a file path, got ${describeValue(value)}`);
  }
  const path = resolvePath(value);
  let regular: boolean;
  try {
    regular = statSync(path).isFile();
  } catch {
    throw new RushInputError(argument, `names a file that does not exist: ${path}`);
  }
  if (!regular) throw new RushInputError(argument, `is not a regular file: ${path}`);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new RushInputError(argument, `names a file that cannot be read: ${path}`);
  }
  return path;
}

function parseUrl(text: string, argument: string): ResolvedStandaloneConfig {
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
  const decode = (part: string): string | undefined => {
    if (part === '') return undefined;
    try {
      return decodeURIComponent(part);
    } catch {
      throw new RushInputError(argument, 'has a malformed %-escape in its user or password');
    }
  };
  return {
    kind: 'standalone',
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port,
    username: decode(url.username),
    password: decode(url.password),
    db,
    tls: url.protocol === 'rediss:' ? {} : false,
  };
}
