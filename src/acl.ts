/**
 * The least-privilege Redis ACL rules of one network (SECURITY.md): the keys and channels of
 * that network only, and the commands rushnet sends (scripts, blocking pops, transactions,
 * pub/sub), without anything that reaches other networks or the server (no FLUSH*, KEYS,
 * CONFIG, SCRIPT FLUSH, FUNCTION). The manager, its workers and the CLI all work with them.
 */
import { checkNetworkId } from './validate.js';

/** Escapes the characters an ACL glob pattern would read as wildcards. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The ACL rules for a user of network `networkId`, in the order `ACL SETUSER <name> on
 * ><password> ...rules` takes them (one argument each). Everything inside a script is checked
 * too, which the categories cover. `CONFIG GET` is left out on purpose: it would reveal the
 * server's passwords, and rushnet falls back to Redis's default value limit without it.
 */
export function networkAclRules(networkId: string): string[] {
  const id = globEscape(checkNetworkId('networkId', networkId));
  return [
    'resetkeys',
    `~rush:{${id}}:*`,
    'resetchannels',
    `&rush:{${id}}:*`,
    '-@all',
    '+@read',
    '+@write',
    '+@transaction',
    '+@connection',
    // Tracking in broadcast mode takes any key prefix, unchecked by the key patterns (Redis
    // 7.0): it would tell when another network's keys change. rushnet does not track keys.
    '-client|tracking',
    '-@dangerous',
    // Not key-bound, or global: they would reach other networks.
    '-function',
    '-randomkey',
    '+eval',
    '+evalsha',
    '+script|load',
    '+script|exists',
    '+publish',
    '+subscribe',
    '+unsubscribe',
    '+spublish',
    '+ssubscribe',
    '+sunsubscribe',
    // The client's ready check and the scripts' clock.
    '+info',
    '+time',
    // A Redis Cluster client's view of the slots.
    '+cluster|slots',
    '+cluster|shards',
    '+cluster|info',
  ];
}
