/**
 * ioredis options for each kind of config: commands wait through reconnects, failovers and
 * slot moves instead of failing (RELIABILITY.md), except a command the server keeps dropping (see
 * {@link guardDroppedCommands}). TLS files are read here, when a client is made.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, type ClusterOptions, Command, Redis, type RedisOptions } from 'ioredis';
import { explainReply, RushConfigError } from '../errors.js';
import type {
  RedisTlsOptions,
  ResolvedClusterConfig,
  ResolvedRedisConfig,
  ResolvedTls,
} from './config-types.js';

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
const RESENDABLE = new Set(['evalsha', 'eval', 'fcall', 'blmove']);

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
  // The function library's load on a replica (scripts/library-loader.ts) is simply refused.
  if (code === 'READONLY') return RESENDABLE.has(name) ? 2 : name === 'function' ? false : 1;
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
    const cluster = new Cluster(config.cluster, toClusterOptions(config, name)) as unknown as Redis;
    explainPermissionErrors(cluster);
    return cluster;
  }
  const options = toClientOptions(config, name);
  // A primary demoted under the client: reconnect (to the new one, through Sentinel).
  options.reconnectOnError = reconnectOnError;
  // All sentinels unreachable: keep asking them, with backoff (the first connect has a deadline).
  if (config.kind === 'sentinel') options.sentinelRetryStrategy = reconnectDelay;
  const client = new Redis(options);
  explainPermissionErrors(client);
  guardDroppedCommands(client);
  return client;
}

/**
 * Clients that rushnet ended (closeConnection): a command they reject with "Connection is
 * closed." came after close(). (A cluster node's closed connection is a redirection instead.)
 */
const ended = new WeakSet<object>();

/** Marks a client as ended by rushnet, before it is closed. */
export function markEnded(client: Redis): void {
  ended.add(client);
}

type SendCommand = (command: Command, ...rest: unknown[]) => unknown;
type Exec = (...args: unknown[]) => Promise<unknown>;

/**
 * Every reply of the client that says the Redis user lacks a permission becomes the
 * RushConfigError that names it ({@link explainPermission}): each command's error (alone, in a
 * pipeline, in a script), and a transaction's, which Redis discards as a whole (EXECABORT) when
 * one of its commands is denied. So every method of rushnet says what is missing, whatever
 * commands it sends. Only permission errors change: redirections (MOVED, ASK), NOSCRIPT, BUSY
 * and the rest reach ioredis and rushnet as Redis sent them. A command sent after `close()`
 * fails with the RushError that says the instance is closed ({@link explainReply}).
 */
function explainPermissionErrors(client: Redis): void {
  const explained = new WeakSet<Command>();
  const send = client.sendCommand as unknown as SendCommand;
  (client as unknown as { sendCommand: SendCommand }).sendCommand = function (command, ...rest) {
    // A command is sent again after a reconnect: wrap it once.
    if (!explained.has(command)) {
      explained.add(command);
      const reject = command.reject;
      command.reject = (error: Error) => reject(explainReply(error, ended.has(client)) as Error);
    }
    return send.call(this, command, ...rest);
  };
  const multi = client.multi as unknown as (...args: unknown[]) => unknown;
  (client as unknown as { multi: typeof multi }).multi = function (...args) {
    const transaction = multi.apply(this, args) as { exec?: Exec };
    // `multi({ pipeline: false })` sends MULTI at once and returns a promise, not a pipeline.
    if (transaction instanceof Promise || typeof transaction.exec !== 'function') {
      return transaction;
    }
    const exec = transaction.exec;
    transaction.exec = function (...execArgs) {
      // With a callback, the error goes there (as Redis sent it); rushnet never passes one.
      if (typeof execArgs[0] === 'function') return exec.apply(this, execArgs);
      return exec.apply(this, execArgs).catch((error: unknown) => {
        throw explainReply(error, ended.has(client));
      });
    };
    return transaction;
  };
}

/**
 * Connections in a row that became ready, had commands in flight, and were closed by the server
 * before any reply: then the oldest command in flight fails instead of being sent again.
 */
export const MAX_DROPPED_CONNECTIONS = 6;

/** A written command of an ioredis client, as the guard sees it. */
interface InFlight {
  command: { name: string; pipelineIndex?: number; reject(error: Error): void };
}

/** What the guard reads of an ioredis client: its socket and its written, unanswered commands. */
interface ClientInternals {
  stream?: NodeJS.ReadableStream;
  commandQueue: { peekFront(): InFlight | undefined; shift(): InFlight | undefined };
}

/**
 * Makes a command that the server keeps dropping fail, bounded, instead of being resent forever.
 *
 * A server closes a connection whose command is larger than its `client-query-buffer-limit`
 * (or whose reply outgrows `client-output-buffer-limit normal`), and ioredis resends the command
 * after reconnecting, forever. rushnet keeps commands under the limits it reads with CONFIG GET,
 * but a server that hides CONFIG hides them. The sign of such a command: the connection becomes
 * ready (the server answered the ready check), commands are written, and the server closes the
 * connection before a single byte of reply. After {@link MAX_DROPPED_CONNECTIONS} such
 * connections in a row, the oldest command in flight (the one the server was reading: it
 * answers in order) is rejected with a RushConfigError, with the rest of its pipeline or
 * transaction; the commands behind it, never read by the server, are sent again as usual.
 *
 * An outage never counts: a server that is down, restarting or failing over fails at connect or
 * at the ready check, before the connection is ready, and a connection that answered anything
 * resets the count. A blocking pop in flight (no reply for as long as it waits) does not count
 * either. Only a server that answers the ready check and then closes before answering anything,
 * again and again, looks like a drop, and resending to it would never end. The guard only
 * removes commands from the resend, so nothing applies twice.
 */
export function guardDroppedCommands(client: Redis, limit = MAX_DROPPED_CONNECTIONS): void {
  const internals = client as unknown as ClientInternals;
  let dropped = 0;
  // The connection since its last 'ready': whether any reply arrived on it.
  let current: { answered: boolean } | undefined;
  client.on('ready', () => {
    const connection = { answered: false };
    current = connection;
    // 'ready' is emitted after ioredis resent the pending commands: any byte now is a reply.
    internals.stream?.once('data', () => {
      connection.answered = true;
    });
  });
  client.on('close', () => {
    const connection = current;
    current = undefined;
    if (connection === undefined) return; // never ready: an outage, not a drop
    // At 'close', ioredis keeps the written, unanswered commands here to resend them.
    const head = internals.commandQueue.peekFront()?.command;
    if (connection.answered || head === undefined || isBlocking(head.name)) {
      dropped = 0;
      return;
    }
    if (++dropped < limit) return;
    dropped = 0;
    const error = droppedCommandError(head.name, limit);
    // The same queue is what ioredis resends on the next connection: take the command out.
    let item = internals.commandQueue.shift()!;
    item.command.reject(error);
    // A pipeline's (or transaction's) next commands were sent with it: they fail with it.
    for (;;) {
      const index = item.command.pipelineIndex;
      const next = internals.commandQueue.peekFront();
      if (index === undefined || next?.command.pipelineIndex !== index + 1) break;
      item = internals.commandQueue.shift()!;
      item.command.reject(error);
    }
  });
}

function isBlocking(name: string): boolean {
  return Command.checkFlag('BLOCKING_COMMANDS', name) || name === 'wait' || name === 'waitaof';
}

/** The error of a dropped command: what limits it likely exceeds, and what to do about it. */
function droppedCommandError(command: string, times: number): RushConfigError {
  return new RushConfigError(
    `Redis closed the connection ${times} times in a row right after rushnet sent the command ` +
      `'${command}', each time before answering it, so rushnet stopped sending it. The command ` +
      'or its reply is most likely larger than the server allows (its client-query-buffer-limit ' +
      'for a command, proto-max-bulk-len for one value, client-output-buffer-limit normal for a ' +
      'reply): rushnet keeps values under the limits it can read with CONFIG GET, and a server ' +
      'that hides CONFIG from its user hides them. Set `maxObjectSize` with rushPlan() below half ' +
      "the server's client-query-buffer-limit and `largeObjectsPath` to store larger values in " +
      "files, or raise the server's limits.",
  );
}
