/**
 * Opening Redis connections to a standalone server, a Redis Cluster or a Sentinel-monitored
 * primary: fail fast and clearly when the server does not answer, then reconnect (and follow
 * failovers and slot moves) for the life of the client (RELIABILITY.md).
 */
import { Cluster, type Redis } from 'ioredis';
import { RushConfigError } from '../errors.js';
import { logger } from '../logging/logger.js';
import { createClient, markEnded } from './client-options.js';
import { describeConfig, type ResolvedRedisConfig } from './config.js';

/** How long the first connection may take before rushnet gives up. */
export const CONNECT_TIMEOUT_MS = 5000;

export { createClient };

/** Whether the client is a Redis Cluster client. */
export function isCluster(client: Redis): boolean {
  return (client as unknown) instanceof Cluster;
}

/** The connections to every primary: each master node of a cluster, else the client itself. */
export function primaries(client: Redis): Redis[] {
  return isCluster(client) ? (client as unknown as Cluster).nodes('master') : [client];
}

/** Opens a connection and checks that the server answers `PING`. */
export async function openConnection(config: ResolvedRedisConfig, name: string): Promise<Redis> {
  const client = createClient(config, name);
  const errors: Error[] = [];
  const onError = (error: Error) => {
    if (errors.length < 20) errors.push(error);
    logger.debug({ err: error.message, connection: name }, 'redis connection error');
  };
  client.on('error', onError);
  // A cluster reports the errors of its nodes separately, a sentinel client its sentinels'.
  client.on('node error', onError);
  let unknownName = false;
  client.on('sentinelError', (error: Error) => {
    unknownName ||= /No such master with that name|got an invalid reply: null/.test(error.message);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (error) {
    client.disconnect();
    // A system error (refused, reset, certificate) says more than the ones that follow it.
    const telling = errors.findLast((e) => (e as { code?: string }).code !== undefined);
    const reason =
      unknownName && config.kind === 'sentinel'
        ? `the sentinels know no primary named ${JSON.stringify(config.name)} (check config.name)`
        : describeConnectError(telling ?? errors.at(-1) ?? error, config);
    throw new RushConfigError(`cannot reach Redis at ${describeConfig(config)}: ${reason}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
  return client;
}

function describeConnectError(error: unknown, config: ResolvedRedisConfig): string {
  const e = error as { code?: string; message?: string };
  const tls = config.tls !== false;
  if (e?.code === 'ECONNREFUSED') return 'connection refused (is redis-server running?)';
  if (e?.code === 'ENOTFOUND') return 'host not found';
  if (e?.code === 'ECONNRESET' && tls) {
    return (
      'the server closed the connection during the TLS handshake ' +
      '(does it require a client certificate? see --tls-cert/--tls-key, config.tls.certFile)'
    );
  }
  if (e?.code === 'ECONNRESET') {
    return 'the server closed the connection (is it a TLS port? use rediss:// or config.tls)';
  }
  if (/CERTIFICATE_REQUIRED/.test(String(e?.code))) {
    return (
      'the server requires a client certificate ' +
      '(--tls-cert/--tls-key, config.tls.certFile/keyFile)'
    );
  }
  const message = readable(e?.message ?? String(e));
  if (/WRONGPASS|NOAUTH|invalid password/i.test(message))
    return 'authentication failed (check the username and password)';
  if (tls && /certificate|self.signed|SSL|TLS/i.test(`${e?.code} ${message}`)) {
    return `${message} (check the CA: --tls-ca, config.tls.caFile)`;
  }
  if (/All sentinels are unreachable/.test(message)) {
    return 'no sentinel answers (are they running? check config.sentinels)';
  }
  if (/Failed to refresh slots cache|None of startup nodes/.test(message)) {
    return 'no cluster node answers (are they running? check config.cluster)';
  }
  if (message === 'no answer') return `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`;
  return message;
}

/** One line; OpenSSL's `<code>:error:<n>:SSL routines:<function>:<reason>:<file>` → the reason. */
function readable(message: string): string {
  const line = message.trim().split('\n')[0]!;
  return /:error:[0-9A-F]+:[^:]+:[^:]+:([^:]+):/.exec(line)?.[1] ?? line;
}

/**
 * Closes a connection politely, falling back to a hard disconnect, and resolves once it has
 * ended (so a command sent afterwards fails at once, and nothing keeps the process alive).
 */
export async function closeConnection(client: Redis): Promise<void> {
  markEnded(client);
  if (client.status === 'end') return;
  const ended = new Promise((resolve) => client.once('end', resolve));
  const aSecond = () => new Promise((resolve) => setTimeout(resolve, 1000).unref());
  // QUIT waits behind a blocking command (BLMOVE) on the same connection: after a second the
  // connection is cut, which rejects QUIT too (a rejection nobody waits for any more).
  const quitting = client.quit().catch(() => {});
  await Promise.race([quitting, aSecond()]);
  client.disconnect();
  // (quit() and disconnect() changed the status since the check above.)
  if ((client.status as string) !== 'end') await Promise.race([ended, aSecond()]);
}

/** Fallback for the size limit of one value when the server will not tell. */
export const DEFAULT_MAX_BULK = 512 * 1024 * 1024;

/** The largest value the server accepts (its proto-max-bulk-len; the smallest over a cluster). */
export async function readMaxBulkLength(client: Redis): Promise<number> {
  return readLimit(client, 'proto-max-bulk-len', DEFAULT_MAX_BULK);
}

/** Redis's default for the largest command a client may send (its query buffer). */
export const DEFAULT_QUERY_BUFFER_LIMIT = 1024 * 1024 * 1024;

/**
 * The largest command the server accepts before it drops the connection (its
 * client-query-buffer-limit; managed services often lower it).
 */
export async function readQueryBufferLimit(client: Redis): Promise<number> {
  return readLimit(client, 'client-query-buffer-limit', DEFAULT_QUERY_BUFFER_LIMIT);
}

/** A size limit of the server's config, the smallest over a cluster's primaries. */
async function readLimit(client: Redis, name: string, fallback: number): Promise<number> {
  const read = async (node: Redis): Promise<number> => {
    try {
      const reply = (await node.config('GET', name)) as string[];
      const value = Number(reply[1]);
      return Number.isFinite(value) && value > 0 ? value : fallback;
    } catch {
      return fallback; // CONFIG may be disabled on managed servers
    }
  };
  return Math.min(...(await Promise.all(primaries(client).map(read))));
}
