/**
 * The failover scenarios' machinery: a round on a Sentinel or Cluster topology (real local
 * worker processes that log what they saw acknowledged, the primary of the network killed
 * while they run, the killed node brought back as a replica, the queue drained), and the
 * check that tells what Redis lost from what rushnet lost. `runFailoverRound` is the frame
 * every round shares; `failoverRound` is the round without retries (failover-retries.ts has
 * the one with).
 *
 * The seeded randomness comes from seeds.ts, not chaos.ts: chaos.ts brings in the integration
 * suite's per-test guard, which opens a client on the default Redis address, and these files
 * use no Redis they did not start.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type Redis } from 'ioredis';
import {
  type Durability,
  type QueueTasksOptions,
  type RedisConfig,
  type Rush,
  rsh,
  type WorkerLoop,
} from '../../src/index.js';
import {
  type Acknowledged,
  checkAfterFailover,
  type FailoverOptions,
  type FailoverViolations,
} from '../helpers/invariants.js';
import { command, parseInfo, type ServerProcess, waitFor } from '../helpers/servers/process.js';
import { type Rng, random } from './seeds.js';

const loops = new URL('./failover-loops.mjs', import.meta.url);
const queueLoop: WorkerLoop = { module: loops, export: 'queue' };
const decentralizedLoop: WorkerLoop = { module: loops, export: 'decentralized' };

/** What a round needs from a topology. */
export interface FailoverTopology {
  /** A short name for the round's log line (`cluster`, `sentinel`). */
  name: string;
  /** What fails over, for the test's title. */
  title: string;
  /** Starts the topology's servers (before the rounds). */
  start(): Promise<void>;
  /** Stops every server of the topology, killed and restarted ones included. */
  stop(): Promise<void>;
  config: Exclude<RedisConfig, string>;
  /** A client of the topology for the invariant checker (Sentinel or Cluster). */
  client(): Redis | Cluster;
  /** Resolves when a failover may start (sentinels refuse one too soon after another). */
  ready(): Promise<void>;
  /** The processes of the primary that serves the network and of its replica. */
  pair(networkId: string): Promise<{ primary: ServerProcess; replica: ServerProcess }>;
  /** Resolves with the new primary's port once it serves the network instead of `killed`. */
  promoted(networkId: string, killed: number): Promise<number>;
  /** Starts the killed node again as a replica of the new primary; resolves once it is in sync. */
  restore(killed: number, primary: number): Promise<void>;
}

export interface RoundResult extends FailoverViolations {
  /** Workers reported lost by detectLostWorkers() (none may be: they were all alive). */
  reportedLost: string[];
  /** Workers that did not exit with code 0, with the end of their stderr. */
  badExits: string[];
  /** Keys of the network left after reset(). */
  leftKeys: string[];
  created: number;
  finished: number;
}

/** A round's network, for the round's own steps (`FailoverRoundBody`). */
export interface RoundNetwork {
  rush: Rush;
  networkId: string;
  /** The workers' directory: their logs of acknowledgments (`<id>.jsonl`) and messages. */
  dir: string;
  /** Heartbeats on, with an expiry no failover reaches: no live worker may be declared lost. */
  heartbeat: { heartbeatPeriod: number; heartbeatExpire: number; messageLog: string };
  /** Pushes `n` tasks (x = from, from + 1, …) and notes their creation as acknowledged. */
  push(n: number, from: number, options?: QueueTasksOptions): Promise<void>;
}

/** What a round's steps report for the check. */
export interface RoundRun {
  /** Every worker started, killed ones included. */
  workerIds: string[];
  /** Workers killed on purpose (`stopWorkers({ type: 'kill' })`): they exit by SIGKILL. */
  killed?: string[];
  /** When the new primary was seen serving (`checkAfterFailover`). */
  failedOverAt: number;
  reportedLost: string[];
  /** Checks on top of the invariants: `done`, and `maxRetries` for the pops acknowledged. */
  check?: Pick<FailoverOptions, 'done' | 'maxRetries'>;
  /** Broken promises the steps found themselves. */
  rushnet?: string[];
  /** Figures for the round's line (RELIABILITY.md). */
  figures?: string;
}

export type FailoverRoundBody = (net: RoundNetwork, rng: Rng) => Promise<RoundRun>;

/**
 * One round on a fresh network: a manager (with `durability`, if given) runs `body`, which
 * starts workers, fails the primary over and drains the queue; then the workers still running
 * terminate (each must exit with code 0), nobody may be reported lost, the acknowledged writes
 * are compared with what survived, and `reset()` must leave no key.
 */
export async function runFailoverRound(
  topology: FailoverTopology,
  seed: number,
  durability: Durability | undefined,
  body: FailoverRoundBody,
): Promise<RoundResult> {
  const rng = random(seed);
  const dir = mkdtempSync(join(tmpdir(), 'rushnet-failover-'));
  const networkId = `failover-${randomUUID().slice(0, 8)}`;
  const rush = await rsh({ networkId, config: topology.config, durability });
  const client = topology.client();
  client.on('error', () => {
    // follows the failover by itself
  });
  const acknowledged: Acknowledged[] = [];
  const push = async (n: number, from: number, options?: QueueTasksOptions) => {
    const xss = Array.from({ length: n }, (_, i) => ({ x: from + i }));
    const keys = await rush.pushTasks(xss, options);
    const at = Date.now();
    for (const key of keys) acknowledged.push({ op: 'create', key, by: 'manager', at });
  };
  try {
    const heartbeat = { heartbeatPeriod: 1, heartbeatExpire: 60, messageLog: dir };
    const run = await body({ rush, networkId, dir, heartbeat, push }, rng);
    const killed = new Set(run.killed);
    const ids = run.workerIds.filter((id) => !killed.has(id));
    await rush.stopWorkers({ type: 'terminate' });
    const children = ids.map((id) => rush.processes.get(id)!);
    await waitFor(
      'every worker to end its loop and exit',
      () => children.every((c) => c.exitCode !== null || c.signalCode !== null),
      { timeoutMs: 60_000 },
    );
    const reportedLost = [...run.reportedLost, ...(await rush.detectLostWorkers())];
    const badExits = ids
      .filter((id) => rush.processes.get(id)!.exitCode !== 0)
      .map((id) => `${id} exited with ${rush.processes.get(id)!.exitCode}: ${tail(dir, id)}`);
    acknowledged.push(...readAcknowledged(dir));

    const result = await checkAfterFailover(client, networkId, {
      acknowledged,
      failedOverAt: run.failedOverAt,
      settled: true,
      aliveWorkers: ids,
      reportedLost,
      ...run.check,
    });
    result.rushnet.push(...(run.rushnet ?? []));
    const counts = await rush.counts();
    await rush.reset();
    const leftKeys = await scanEveryPrimary(client, networkId);
    const created = new Set(acknowledged.filter((a) => a.op === 'create').map((a) => a.key)).size;
    process.stdout.write(
      `failover: ${topology.name} durability=${durability ? JSON.stringify(durability) : 'off'} ` +
        `seed=${seed}: ${created} tasks created, ${counts.finished} finished, ${counts.failed} failed` +
        `${run.figures ? `, ${run.figures}` : ''}; ` +
        `lost by Redis: ${result.redis.length}, by rushnet: ${result.rushnet.length}\n`,
    );
    return { ...result, reportedLost, badExits, leftKeys, created, finished: counts.finished };
  } finally {
    await rush.stopWorkers({ type: 'kill' }).catch(() => []);
    await rush.close();
    client.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The round without retries: two queue workers and a decentralized one, 600 queued tasks. Once
 * some have finished, the network's replica is cut off (frozen, its link closed) so that the
 * primary takes writes the replica never gets, the worst case of asynchronous replication; then
 * the primary is killed and the replica resumes and takes over. After the failover 100 more
 * tasks are pushed and the queue drains.
 */
export function failoverRound(
  topology: FailoverTopology,
  seed: number,
  durability: Durability | undefined,
): Promise<RoundResult> {
  return runFailoverRound(
    topology,
    seed,
    durability,
    async ({ rush, dir, heartbeat, push }, rng) => {
      const workerIds = [
        ...(await rush.startLocalWorkers(queueLoop, {
          nWorkers: 2,
          args: [dir, 10],
          ...heartbeat,
        })),
        ...(await rush.startLocalWorkers(decentralizedLoop, {
          nWorkers: 1,
          args: [dir, 30],
          ...heartbeat,
        })),
      ];
      await rush.waitForWorkers({ workerIds, timeout: 60 });
      await push(600, 0);
      const { failedOverAt, reportedLost } = await failOverAfter(topology, rush, rng);
      await push(100, 600);
      await waitFor('the queue to drain', async () => (await rush.nQueuedTasks()) === 0, {
        timeoutMs: 120_000,
      });
      return { workerIds, failedOverAt, reportedLost };
    },
  );
}

/**
 * Once 20 to 250 tasks have finished, fails the network's primary over while its replica lags
 * (`failWhileLagging`), asks who is lost (nobody may be), and starts the killed node again as
 * the new primary's replica. Returns when the new primary was seen serving, and who was lost.
 */
export async function failOverAfter(
  topology: FailoverTopology,
  rush: Rush,
  rng: Rng,
): Promise<{ failedOverAt: number; reportedLost: string[] }> {
  const before = rng.int(20, 250);
  await waitFor(
    `${before} finished tasks before the failover`,
    async () => (await rush.nFinishedTasks()) >= before,
    { timeoutMs: 60_000 },
  );
  const { from, to } = await failWhileLagging(topology, rush.networkId, rng.int(5_000, 40_000));
  const failedOverAt = Date.now();
  const reportedLost = await rush.detectLostWorkers();
  await topology.restore(from, to);
  return { failedOverAt, reportedLost };
}

/**
 * Freezes the replica (SIGSTOP) and closes its link, waits until the primary has taken `bytes`
 * more of writes (or, with durability, every worker waits for the replica), kills the primary
 * (SIGKILL), lets the replica go on (SIGCONT) and waits until it serves the network.
 */
async function failWhileLagging(
  topology: FailoverTopology,
  networkId: string,
  bytes: number,
): Promise<{ from: number; to: number }> {
  await topology.ready();
  const { primary, replica } = await topology.pair(networkId);
  const offset = async () =>
    Number(
      parseInfo(await command(primary.port, ['INFO', 'replication'])).get('master_repl_offset'),
    );
  // Without durability the writes go on; with it, each client's next write waits in WAIT.
  const waiting = async () =>
    String(await command(primary.port, ['CLIENT', 'LIST']))
      .split('\n')
      .filter((line) => /\bcmd=wait\b/.test(line)).length;
  const resume = () => {
    if (!replica.exited) process.kill(replica.pid, 'SIGCONT');
  };
  process.kill(replica.pid, 'SIGSTOP');
  try {
    await command(primary.port, ['CLIENT', 'KILL', 'TYPE', 'replica']);
    const start = await offset();
    await waitFor(
      `${bytes} bytes of writes the replica misses, or every worker waiting for it`,
      async () => (await offset()) >= start + bytes || (await waiting()) >= 3,
      { timeoutMs: 30_000 },
    );
    await primary.kill('SIGKILL');
  } finally {
    resume();
  }
  return { from: primary.port, to: await topology.promoted(networkId, primary.port) };
}

/** The acknowledgments the workers logged (`<dir>/<workerId>.jsonl`). */
function readAcknowledged(dir: string): Acknowledged[] {
  const out: Acknowledged[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    const by = file.slice(0, -'.jsonl'.length);
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const { op, keys, at } = JSON.parse(line) as {
        op: Acknowledged['op'];
        keys: string[];
        at: number;
      };
      for (const key of keys) out.push({ op, key, by, at });
    }
  }
  return out;
}

/** The end of a worker's stderr (its message log), for a failure message. */
function tail(dir: string, workerId: string): string {
  try {
    return readFileSync(join(dir, `message_${workerId}.log`), 'utf8').slice(-2000);
  } catch {
    return '(no message log)';
  }
}

/** Every key of a network that SCAN finds, on each primary (all of a cluster's). */
async function scanEveryPrimary(client: Redis | Cluster, networkId: string): Promise<string[]> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', `*${networkId}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
  }
  return keys;
}

/** The rushnet promise for a round: nothing attributable to rushnet went wrong. */
export function rushnetFailures(result: RoundResult): string[] {
  return [
    ...result.rushnet,
    ...result.reportedLost.map((id) => `worker ${id} was alive but reported lost`),
    ...result.badExits,
    ...result.leftKeys.map((key) => `reset() left ${key}`),
  ];
}
