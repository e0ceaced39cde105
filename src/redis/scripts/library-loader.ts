/**
 * Loads rushnet's function library (library.ts) on each connection's server when it becomes
 * ready, and marks the connection as one whose script calls may go as FCALL
 * (script-command.ts). Until then, and wherever the load is refused, calls go as scripts
 * (EVALSHA), as they always did.
 *
 * Only a connection of Redis's `default` user loads it: FUNCTION LOAD is server-wide (a user
 * who may load may replace any library), so rushnet's per-network users are not given it
 * (SECURITY.md), and a named user is not made to try a command Redis would log as denied.
 * A library is stored and replicated like data: a replica promoted by a failover has it; a
 * server restarted without persistence, or a connection to a new Cluster node, loads it again
 * at its next ready.
 */
import type { Cluster, Redis } from 'ioredis';
import type { FunctionLibrary } from './library.js';
import { libraryLoadedOn } from './script-command.js';

/** Loads `library` on the server(s) of `client` at every ready, from now on. */
export function loadLibraryOnReady(client: Redis | Cluster, library: FunctionLibrary): void {
  if (isCluster(client)) {
    if (!isDefaultUser(client.options.redisOptions?.username)) return;
    const watched = new WeakSet<Redis>();
    const watch = (node: Redis) => {
      if (watched.has(node)) return;
      watched.add(node);
      // Only a primary takes writes: a replica would answer READONLY.
      const load = () => {
        if (client.nodes('master').includes(node)) void loadOn(node, library);
      };
      node.on('ready', load);
      if (node.status === 'ready') load();
    };
    client.on('+node', watch);
    for (const node of client.nodes()) watch(node);
    return;
  }
  if (!isDefaultUser(client.options.username)) return;
  client.on('ready', () => void loadOn(client, library));
  if (client.status === 'ready') void loadOn(client, library);
}

function isDefaultUser(username: string | undefined): boolean {
  return !username || username === 'default';
}

function isCluster(client: Redis | Cluster): client is Cluster {
  return (client as { isCluster?: boolean }).isCluster === true;
}

/**
 * Loads the library on one connection's server unless it is there (a library of the same name
 * is this build's: its name holds the hash of its text; asking first saves sending its ~40 kB
 * at every connection) and marks the connection. A refusal (an older Redis, a user without
 * the right, a replica, a connection in subscriber mode) leaves it on scripts.
 */
async function loadOn(node: Redis, library: FunctionLibrary): Promise<void> {
  const socket = node.stream;
  try {
    const listed = await node.call('FUNCTION', 'LIST', 'LIBRARYNAME', library.name);
    if (!Array.isArray(listed) || listed.length === 0) {
      await node.call('FUNCTION', 'LOAD', library.source);
    }
  } catch (error) {
    // Another connection loaded it in between: as good.
    if (!/^ERR Library '.*' already exists/.test((error as Error).message)) return;
  }
  // The connection that was told is the one marked: not a newer one after a reconnect.
  if (socket && node.stream === socket) libraryLoadedOn(socket);
}
