/**
 * Signed worker configurations (SECURITY.md): an HMAC-SHA256 over the network id, the
 * configuration id and the stored bytes, so that write access to Redis is not code execution on
 * workers. The key is the `secret` option, else `RUSHNET_SECRET`, else a random key of the
 * manager; it travels to workers only in their environment, never in Redis, argv or logs.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { describeValue, RushConfigError, RushInputError } from '../errors.js';

/** The environment variable that hands the key to a worker. */
export const SECRET_ENV = 'RUSHNET_SECRET';

/** Separates this use of the key from any other, and allows a later format. */
const DOMAIN = 'rushnet-worker-config-v1';

/** Longest secret accepted: it must fit in one environment variable everywhere. */
const MAX_SECRET_LENGTH = 4096;

/** The hash field that holds the signature of the configuration stored under `configId`. */
export function signatureField(configId: string): string {
  return `sig:${configId}`;
}

/**
 * A secret: a non-empty string that can travel in an environment variable and in a launcher's
 * line-based protocol (no control characters).
 */
export function checkSecret(name: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
    /[\x00-\x1f\x7f]/.test(value) ||
    value.length > MAX_SECRET_LENGTH
  ) {
    // Never echo the value: it is a secret.
    const got =
      typeof value === 'string' ? `a string of length ${value.length}` : describeValue(value);
    throw new RushInputError(
      name,
      `must be a non-empty string of at most ${MAX_SECRET_LENGTH} characters without control characters, got ${got}`,
    );
  }
  return value;
}

/**
 * The signing key of a manager: the explicit secret, else the plan's, else `RUSHNET_SECRET`,
 * else a fresh random key (handed to the workers this manager starts).
 */
export function resolveSecret(explicit: unknown, planned: unknown): string {
  if (explicit !== undefined) return checkSecret('secret', explicit);
  if (planned !== undefined) return checkSecret('secret', planned);
  const env = process.env[SECRET_ENV];
  if (env) return checkSecret(SECRET_ENV, env);
  return randomBytes(32).toString('base64url');
}

function mac(secret: string, parts: readonly (string | Uint8Array)[]): Buffer {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    // Length-prefixed, so no two different (network, id, bytes) give the same message.
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hmac.update(length).update(bytes);
  }
  return hmac.digest();
}

/** The signature (hex) of a configuration stored under `configId` in `networkId`. */
export function signConfig(
  secret: string,
  networkId: string,
  configId: string,
  bytes: Uint8Array,
): string {
  return mac(secret, [DOMAIN, networkId, configId, bytes]).toString('hex');
}

/** Whether `signature` is the right one for these bytes (compared in constant time). */
export function signatureMatches(
  secret: string,
  networkId: string,
  configId: string,
  bytes: Uint8Array,
  signature: string | null,
): boolean {
  if (signature === null || !/^[0-9a-f]{64}$/.test(signature)) return false;
  const expected = mac(secret, [DOMAIN, networkId, configId, bytes]);
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

/**
 * Checks a stored configuration before anything of it is decoded, imported or evaluated.
 * @throws RushConfigError naming the network when the key is missing or the signature is.
 */
export function verifyConfig(
  secret: string | undefined,
  networkId: string,
  configId: string,
  bytes: Uint8Array,
  signature: string | null,
): void {
  if (secret === undefined) {
    throw new RushConfigError(
      `cannot verify the worker configuration of network '${networkId}': no key. ` +
        `Give the worker the manager's key: set ${SECRET_ENV} in its environment to the manager's ` +
        `secret (the \`secret\` option of rsh()/rushPlan(), or its ${SECRET_ENV}). ` +
        '(`rushnet worker --insecure` skips the check, which is unsafe: anyone who can write to ' +
        'this Redis could then run code on this machine.)',
    );
  }
  if (!signatureMatches(secret, networkId, configId, bytes, signature)) {
    throw new RushConfigError(
      `the worker configuration '${configId}' of network '${networkId}' is ` +
        `${signature === null ? 'not signed' : 'not signed with this key'}: refusing to run it. ` +
        `Was it changed in Redis? Is ${SECRET_ENV} in the worker's environment the manager's ` +
        'secret (the `secret` option of rsh()/rushPlan(), or its ' +
        `${SECRET_ENV})? (\`rushnet worker --insecure\` skips the check, which is unsafe: anyone ` +
        'who can write to this Redis could then run code on this machine.)',
    );
  }
}

/**
 * An id for a configuration derived from its content and the key: storing the same
 * configuration again (e.g. calling `workerScript` in a loop) reuses one entry, and managers
 * with different keys never share (and overwrite) one.
 */
export function contentConfigId(
  secret: string,
  kind: 'start' | 'script',
  networkId: string,
  bytes: Uint8Array,
): string {
  return `${kind}-${mac(secret, [`${DOMAIN}/id`, kind, networkId, bytes])
    .toString('hex')
    .slice(0, 32)}`;
}
