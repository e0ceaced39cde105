/**
 * `listNetworks()`: the ids of the rush networks on a Redis server, found with SCAN (no key
 * outside a network's namespace keeps a registry of them).
 */

import { rushConfig } from './plan.js';
import type { RedisConfig } from './redis/config.js';
import { resolveConfig } from './redis/config.js';
import { closeConnection, openConnection, primaries } from './redis/connection.js';
import { RushKeys } from './redis/keys.js';
import { checkOptions } from './validate.js';

export interface ListNetworksOptions {
  /** The server. @default the plan's config, else `REDIS_URL`, else redis://127.0.0.1:6379 */
  config?: RedisConfig;
}

/** Keys SCAN looks at per call: large enough to be quick, small enough to never block Redis. */
const SCAN_COUNT = 1000;

/** Ids of the networks that have keys on the server, sorted. */
export async function listNetworks(options?: ListNetworksOptions): Promise<string[]> {
  const o = checkOptions('options', options, ['config']);
  const client = await openConnection(
    resolveConfig(o.config, rushConfig().config),
    'rushnet:networks',
  );
  try {
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
  } finally {
    await closeConnection(client);
  }
}
