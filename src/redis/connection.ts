/**
 * Opening Redis connections: fail fast and clearly when the server does not answer, then
 * reconnect with backoff for the life of the client (SPEC §10).
 */
import { Redis } from 'ioredis';
import { RushConfigError } from '../errors.js';
import { logger } from '../logging/logger.js';
import { configToUrl, type ResolvedRedisConfig, toClientOptions } from './config.js';

/** How long the first connection may take before rushnet gives up. */
export const CONNECT_TIMEOUT_MS = 5000;

/** Opens a connection and checks that the server answers `PING`. */
export async function openConnection(config: ResolvedRedisConfig, name: string): Promise<Redis> {
  const client = new Redis({ ...toClientOptions(config), connectionName: name });
  let lastError: unknown;
  client.on('error', (error: Error) => {
    lastError = error;
    logger.debug({ err: error.message, connection: name }, 'redis connection error');
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer')), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([client.connect().then(() => client.ping()), timeout]);
  } catch (error) {
    client.disconnect();
    const reason = describeConnectError(error, lastError);
    throw new RushConfigError(
      `cannot reach Redis at ${configToUrl(config, { redact: true })}: ${reason}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
  return client;
}

function describeConnectError(error: unknown, lastError: unknown): string {
  const e = (lastError ?? error) as { code?: string; message?: string };
  if (e?.code === 'ECONNREFUSED') return 'connection refused (is redis-server running?)';
  if (e?.code === 'ENOTFOUND') return 'host not found';
  const message = e?.message ?? String(e);
  if (/WRONGPASS|NOAUTH|invalid password/i.test(message))
    return 'authentication failed (check the username and password)';
  return message === 'no answer' ? `no answer within ${CONNECT_TIMEOUT_MS / 1000} s` : message;
}

/** Closes a connection politely, falling back to a hard disconnect. */
export async function closeConnection(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([client.quit(), new Promise((r) => setTimeout(r, 1000).unref())]);
  } catch {
    // already closing
  }
  client.disconnect();
}

/** Fallback for the size limit of one value when the server will not tell. */
export const DEFAULT_MAX_BULK = 512 * 1024 * 1024;

/** The largest value the server accepts (its proto-max-bulk-len). */
export async function readMaxBulkLength(client: Redis): Promise<number> {
  try {
    const reply = (await client.config('GET', 'proto-max-bulk-len')) as string[];
    const value = Number(reply[1]);
    return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_BULK;
  } catch {
    return DEFAULT_MAX_BULK; // CONFIG may be disabled on managed servers
  }
}
