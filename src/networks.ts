/**
 * `listNetworks()`: the ids of the rush networks on a Redis server, found with SCAN (no key
 * outside a network's namespace keeps a registry of them), and only those the Redis user may
 * read: SCAN shows every key name, whatever the user's ACL rules.
 */

import type { Redis } from 'ioredis';
import { missingPermission } from './errors.js';
import { rushConfig } from './plan.js';
import type { RedisConfig } from './redis/config.js';
import { resolveConfig } from './redis/config.js';
import { closeConnection, openConnection, primaries } from './redis/connection.js';
import { RushKeys } from './redis/keys.js';
import { readCounts } from './rush/counts.js';
import type { NetworkCounts } from './types.js';
import { checkBoolean, checkOptions } from './validate.js';

/** Options of {@link listNetworks}. */
export interface ListNetworksOptions {
  /** The server. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
  /**
   * Only the networks whose worker and task counts the Redis user may read. SCAN shows the
   * names of every key whatever the user's ACL rules, so a user restricted to one network
   * (`networkAclRules`) would otherwise see the ids of the others. `false` lists every network
   * that has keys on the server (one SCAN, no reads).
   * @default true
   */
  readable?: boolean;
}

/** A network on the server with its counts. */
export interface NetworkSummary {
  id: string;
  /** `null`: Redis refused the read for another reason than a permission (a key of the wrong type). */
  counts: NetworkCounts | null;
}

/** Keys SCAN looks at per call: large enough to be quick, small enough to never block Redis. */
const SCAN_COUNT = 1000;

/**
 * Ids of the networks that have keys on the server, sorted; by default only those the Redis
 * user may read (see {@link ListNetworksOptions.readable}).
 * @throws RushConfigError when Redis cannot be reached
 */
export async function listNetworks(options?: ListNetworksOptions): Promise<string[]> {
  const o = checkOptions('options', options, ['config', 'readable']);
  const readable = o.readable === undefined || checkBoolean('options.readable', o.readable);
  if (!readable) return withClient(o.config, scanNetworks);
  return (await readNetworks(o.config)).networks.map((n) => n.id);
}

/**
 * The networks the Redis user may read, sorted by id, with their counts (one consistent read
 * each, all sent at once), and how many networks SCAN found, readable or not.
 */
export async function readNetworks(
  config?: RedisConfig,
): Promise<{ found: number; networks: NetworkSummary[] }> {
  return withClient(config, readNetworksOn);
}

/** {@link readNetworks} over a connection the caller holds (the dashboard's shared one). */
export async function readNetworksOn(
  client: Redis,
): Promise<{ found: number; networks: NetworkSummary[] }> {
  const ids = await scanNetworks(client);
  const read = await Promise.all(
    ids.map(async (id) => {
      try {
        return { id, counts: await readCounts(client, new RushKeys(id)) };
      } catch (error) {
        // A network whose keys this user may not read is not one of its networks.
        return missingPermission(error) === undefined ? { id, counts: null } : undefined;
      }
    }),
  );
  return { found: ids.length, networks: read.filter((n) => n !== undefined) };
}

async function withClient<T>(
  config: RedisConfig | undefined,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = await openConnection(
    resolveConfig(config, rushConfig().config),
    'rushnet:networks',
  );
  try {
    return await use(client);
  } finally {
    await closeConnection(client);
  }
}

/** Ids of the networks that have keys on the server, sorted. */
async function scanNetworks(client: Redis): Promise<string[]> {
  const ids = new Set<string>();
  // On a Redis Cluster, SCAN sees one node: ask every primary.
  for (const node of primaries(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(
        cursor,
        'MATCH',
        RushKeys.ANY_NETWORK_PATTERN,
        'COUNT',
        SCAN_COUNT,
      );
      for (const key of keys) {
        const id = RushKeys.networkOf(key);
        if (id !== undefined) ids.add(id);
      }
      cursor = next;
    } while (cursor !== '0');
  }
  return [...ids].sort();
}
