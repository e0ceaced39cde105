/**
 * ioredis options for each kind of config: commands wait through reconnects, failovers and
 * slot moves instead of failing (SPEC §10). TLS files are read here, when a client is made.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { RushConfigError } from '../errors.js';
import type {
  RedisTlsOptions,
  ResolvedClusterConfig,
  ResolvedRedisConfig,
  ResolvedTls,
} from './config.js';

/** How long one connection attempt may take. */
const CONNECT_TIMEOUT_MS = 5000;

/** Backoff between reconnects: 100 ms doubling up to 2 s, forever. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 5), 2000);
}

/**
 * Redirections (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, a closed node connection) a cluster command
 * follows before it fails. With the delays below this is a budget of about 100 s, longer than a
 * failover with the default `cluster-node-timeout` of 15 s.
 */
export const CLUSTER_MAX_REDIRECTIONS = 1000;

/** Script calls and blocking pops: sent alone, and a READONLY reply means they did nothing. */
const RESENDABLE = new Set(['evalsha', 'eval', 'blmove']);

/**
 * What to do with a reply that says the command did nothing and may succeed later (ioredis
 * `reconnectOnError`): `UNBLOCKED` (a blocked pop on a primary that became a replica) → reconnect
 * and send again; `READONLY` (a write that reached a replica) and `BUSY` (another client's script
 * holds the server) → reconnect (with the retry strategy's backoff), and send again when the
 * command is one that runs alone (not a step of a MULTI, which must fail as a whole; for BUSY,
 * every command but the transaction's own).
 */
export function reconnectOnError(error: Error & { command?: { name?: string } }): false | 1 | 2 {
  const code = error.message.split(' ', 1)[0];
  if (code === 'UNBLOCKED') return 2;
  const name = error.command?.name ?? '';
  if (code === 'READONLY') return RESENDABLE.has(name) ? 2 : 1;
  // BUSY: the command did nothing. Only a transaction cannot be sent again piecemeal.
  if (code === 'BUSY') return name === 'multi' || name === 'exec' ? 1 : 2;
  return false;
}

/** Node TLS options from rushnet's TLS settings (reads the files). */
export function tlsConnectionOptions(tls: RedisTlsOptions, argument: string): ConnectionOptions {
  const read = (file: string, name: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unreadable';
      throw new RushConfigError(`cannot read ${argument}.${name} ${file} (${code})`, {
        cause: error,
      });
    }
  };
  const out: ConnectionOptions = {};
  if (tls.caFile !== undefined) out.ca = read(tls.caFile, 'caFile');
  if (tls.certFile !== undefined) out.cert = read(tls.certFile, 'certFile');
  if (tls.keyFile !== undefined) out.key = read(tls.keyFile, 'keyFile');
  if (tls.servername !== undefined) out.servername = tls.servername;
  if (tls.rejectUnauthorized !== undefined) out.rejectUnauthorized = tls.rejectUnauthorized;
  return out;
}

function tlsOption(tls: ResolvedTls, argument: string): { tls?: ConnectionOptions } {
  return tls === false ? {} : { tls: tlsConnectionOptions(tls, argument) };
}

/** Options every connection shares: lazy, waiting through reconnects, named. */
function common(name: string | undefined): RedisOptions {
  return {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelay,
    ...(name === undefined ? {} : { connectionName: name }),
  };
}

/**
 * Options for an ioredis `Redis`: a standalone server, or a primary found through Sentinel.
 * A cluster needs a `Cluster` client instead: see {@link toClusterOptions}. The only function
 * in them is `retryStrategy`, so that without it they can go to a thread (structured clone);
 * `createClient` adds `reconnectOnError` and `sentinelRetryStrategy`.
 * @throws RushConfigError for a cluster config, or when a TLS file cannot be read.
 */
export function toClientOptions(config: ResolvedRedisConfig, name?: string): RedisOptions {
  switch (config.kind) {
    case 'standalone':
      return {
        host: config.host,
        port: config.port,
        username: config.username,
        password: config.password,
        db: config.db,
        ...tlsOption(config.tls, 'config.tls'),
        ...common(name),
      };
    case 'sentinel': {
      const sentinelTls = config.sentinelTls === undefined ? config.tls : config.sentinelTls;
      const sentinelArgument = config.sentinelTls === undefined ? 'tls' : 'sentinelTls';
      const dataTls = tlsOption(config.tls, 'config.tls').tls;
      return {
        sentinels: config.sentinels.map(({ host, port }) => ({ host, port })),
        name: config.name,
        username: config.username,
        password: config.password,
        sentinelUsername: config.sentinelUsername,
        sentinelPassword: config.sentinelPassword,
        db: config.db,
        ...(dataTls ? { tls: dataTls, enableTLSForSentinelMode: true } : {}),
        ...(sentinelTls === false
          ? {}
          : { sentinelTLS: tlsConnectionOptions(sentinelTls, `config.${sentinelArgument}`) }),
        // Subscribes to the sentinels' +switch-master: reconnect at once after a failover.
        failoverDetector: true,
        ...common(name),
      };
    }
    case 'cluster':
      throw new RushConfigError(
        'a Redis Cluster config needs a Cluster client: open it with createClient()',
      );
  }
}

/** Options for an ioredis `Cluster`. */
export function toClusterOptions(config: ResolvedClusterConfig, name?: string): ClusterOptions {
  const tls = tlsOption(config.tls, 'config.tls');
  const { lazyConnect, retryStrategy: _, ...node } = common(name);
  return {
    lazyConnect,
    redisOptions: {
      ...node,
      username: config.username,
      password: config.password,
      reconnectOnError,
      ...tls,
    },
    // The whole cluster unreachable: keep trying (the first connect has its own deadline).
    clusterRetryStrategy: reconnectDelay,
    maxRedirections: CLUSTER_MAX_REDIRECTIONS,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    // With TLS, keep host names as given so certificates verify against them.
    ...(tls.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
}

/**
 * A client for the config, not yet connected (it connects on its first command, or on
 * `connect()`).
 *
 * For a cluster this is an ioredis `Cluster`, typed as `Redis`: `Cluster` implements the same
 * command API (every command, `multi`, `pipeline`, `defineCommand`, `subscribe`, `duplicate`,
 * `quit`, `status`, the events), and all of a network's keys share one hash slot, so multi-key
 * commands, scripts and transactions reach one node. What differs: commands without a key
 * (`SCAN`, `INFO`, `CONFIG`) go to one node; use {@link primaries} to reach each.
 * @throws RushConfigError when a TLS file cannot be read.
 */
export function createClient(config: ResolvedRedisConfig, name?: string): Redis {
  if (config.kind === 'cluster') {
    return new Cluster(config.cluster, toClusterOptions(config, name)) as unknown as Redis;
  }
  const options = toClientOptions(config, name);
  // A primary demoted under the client: reconnect (to the new one, through Sentinel).
  options.reconnectOnError = reconnectOnError;
  // All sentinels unreachable: keep asking them, with backoff (the first connect has a deadline).
  if (config.kind === 'sentinel') options.sentinelRetryStrategy = reconnectDelay;
  return new Redis(options);
}
