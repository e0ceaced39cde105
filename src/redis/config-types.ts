/**
 * The shapes of Redis connection settings: what a user writes (a URL or an options object for a
 * standalone server, a Cluster or a Sentinel-monitored primary) and the one normalized form
 * the rest of rushnet works with. Types only, so every module of src/redis/ can name them
 * without importing the code that resolves them (config.ts).
 */
/** TLS settings. Files are read when a client is made, so the same settings reach every worker. */
export interface RedisTlsOptions {
  /** PEM file of the certificate authority that signed the server's certificate. */
  caFile?: string;
  /** PEM file of a client certificate (for servers with `tls-auth-clients yes`); needs `keyFile`. */
  certFile?: string;
  /** PEM file of the client certificate's private key. */
  keyFile?: string;
  /** Name to verify the server's certificate against. @default the host */
  servername?: string;
  /** Reject a server whose certificate does not verify. @default true */
  rejectUnauthorized?: boolean;
}

/** One server address. */
export interface RedisAddress {
  host: string;
  /** @default 6379 (26379 for a sentinel) */
  port?: number;
}

/** A standalone server, the alternative to a `redis://` / `rediss://` URL. */
export interface RedisConnectionOptions {
  kind?: 'standalone';
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 6379 */
  port?: number;
  username?: string;
  password?: string;
  /** Database number. @default 0 */
  db?: number;
  /** `true` or TLS settings. @default false */
  tls?: boolean | RedisTlsOptions;
}

/** A Redis Cluster: a few of its nodes (URLs or addresses); the client finds the rest. */
export interface RedisClusterOptions {
  kind?: 'cluster';
  cluster: (string | RedisAddress)[];
  username?: string;
  password?: string;
  tls?: boolean | RedisTlsOptions;
}

/** A primary monitored by Sentinel: the client asks the sentinels where it is. */
export interface RedisSentinelOptions {
  kind?: 'sentinel';
  sentinels: RedisAddress[];
  /** The monitored primary's name (`sentinel monitor <name> ...`). */
  name: string;
  /** For the data nodes. */
  username?: string;
  password?: string;
  /** For the sentinels themselves, when they require it. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** @default 0 */
  db?: number;
  /** TLS to the data nodes. */
  tls?: boolean | RedisTlsOptions;
  /** TLS to the sentinels. @default the same as `tls` */
  sentinelTls?: boolean | RedisTlsOptions;
}

/** A Redis URL (`redis://user:pass@host:port/db`, `rediss://` for TLS) or an options object. */
export type RedisConfig =
  | string
  | RedisConnectionOptions
  | RedisClusterOptions
  | RedisSentinelOptions;

/** TLS settings with absolute file paths; `false` is no TLS. */
export type ResolvedTls = false | RedisTlsOptions;
export type ResolvedAddress = Required<RedisAddress>;

export interface ResolvedStandaloneConfig {
  kind: 'standalone';
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  tls: ResolvedTls;
}
export interface ResolvedClusterConfig {
  kind: 'cluster';
  cluster: ResolvedAddress[];
  username: string | undefined;
  password: string | undefined;
  tls: ResolvedTls;
}
export interface ResolvedSentinelConfig {
  kind: 'sentinel';
  sentinels: ResolvedAddress[];
  name: string;
  username: string | undefined;
  password: string | undefined;
  sentinelUsername: string | undefined;
  sentinelPassword: string | undefined;
  db: number;
  tls: ResolvedTls;
  /** `undefined`: the same as `tls`. */
  sentinelTls: ResolvedTls | undefined;
}
/** The settings in one normalized form (also a valid {@link RedisConfig}). */
export type ResolvedRedisConfig =
  | ResolvedStandaloneConfig
  | ResolvedClusterConfig
  | ResolvedSentinelConfig;
