/**
 * The benchmark's cases 1, 3 and 4 on three topologies in one run: a standalone server, a Redis
 * Cluster (3 primaries + 3 replicas) and a primary behind Sentinel (one replica, 3 sentinels),
 * all started here on loopback ports (the test helpers' servers); and what
 * `durability: { replicas: 1 }` costs on the Cluster and through Sentinel.
 *
 *   npm run build && node --import tsx bench/topologies.ts [--quick]
 *
 * Writes bench/results/topologies.md and .json and prints the table. The cases are measured as
 * in bench/run.ts: case 1 pushRunningTasks + finishTasks per iteration (one in-process worker),
 * case 2a popTask + finishTasks per task (one in-process worker: the per-task cost durability
 * adds), case 3 tasks/s of 2 worker processes popping and finishing one task at a time (tasks
 * pushed in chunks of 1,000), case 4 a cold fetchFinishedTasks on a fresh manager. The floor of
 * each topology is a sequential EXISTS of a network key (routed like the network's scripts).
 * With and without durability are measured in alternating rounds on the same servers, so a
 * shared machine's noise hits both alike; the table gives each round's ratio and difference.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import {
  type Durability,
  type RedisConfig,
  Rush,
  RushWorker,
  type WorkerLoop,
} from '../dist/index.js';
import { startEmbeddedRedis } from '../dist/redis/embedded-redis.js';
import { startCluster } from '../test/helpers/servers/cluster.js';
import { startSentinel } from '../test/helpers/servers/sentinel.js';
import { now, repeat, type Summary, summarize, until } from './stats.js';

const quick = process.argv.includes('--quick');
const runs = quick ? 2 : 3;
const ITERATIONS = quick ? 200 : 2000;
const THROUGHPUT_TASKS = quick ? 2000 : 20_000;
const SIZES = quick ? [1000] : [10_000, 100_000];

const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const newNetwork = () => `bench-${randomUUID()}`;

interface Row {
  topology: string;
  case: string;
  what: string;
  unit: string;
  value: Summary;
}
const rows: Row[] = [];
function add(row: Row): void {
  rows.push(row);
  log(`${row.topology} ${row.case} ${row.what}: ${row.value.median.toFixed(3)} ${row.unit}`);
}

/** Floor: sequential EXISTS of a network key through the topology's client. µs. */
async function floor(config: RedisConfig): Promise<Summary> {
  const rush = await new Rush({ networkId: newNetwork(), config }).connect();
  try {
    const key = `rush:{${rush.networkId}}:probe`;
    return summarize(
      await repeat(runs, async () => {
        const start = now();
        for (let i = 0; i < ITERATIONS; i++) await rush.connector.exists(key);
        return ((now() - start) * 1000) / ITERATIONS;
      }),
    );
  } finally {
    await rush.close();
  }
}

/** Without durability, and with `{ replicas: 1 }`: measured in alternation, to compare. */
type Variant = Durability | undefined;
const DURABLE: Durability = { replicas: 1 };

/**
 * Runs `once(variant)` for each variant in turn, `rounds` times (after one untimed warm-up
 * round), alternating which goes first. Returns each variant's values, in round order.
 */
async function alternate(
  variants: Variant[],
  rounds: number,
  once: (variant: Variant) => Promise<number>,
): Promise<number[][]> {
  for (const variant of variants) await once(variant);
  const values = variants.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) values[i]!.push(await once(variants[i]));
  }
  return values;
}

/**
 * Case 1 (pushRunningTasks + finishTasks per iteration) or case 2a (popTask + finishTasks per
 * task), one in-process worker per variant. µs per iteration or task, per variant.
 */
async function perTask(
  config: RedisConfig,
  kind: '1' | '2a',
  variants: Variant[],
): Promise<number[][]> {
  const workers = new Map<Variant, RushWorker>();
  for (const durability of variants) {
    workers.set(
      durability,
      await RushWorker.create({ networkId: newNetwork(), config, durability }),
    );
  }
  try {
    return await alternate(variants, runs * 2, async (variant) => {
      const worker = workers.get(variant)!;
      const n = ITERATIONS / 2;
      if (kind === '2a') await worker.pushTasks(Array.from({ length: n }, (_, x) => ({ x })));
      const start = now();
      for (let i = 0; i < n; i++) {
        if (kind === '1') {
          const [key] = await worker.pushRunningTasks([{ x: i }]);
          await worker.finishTasks([key!], [{ y: i }]);
        } else {
          const task = await worker.popTask({ timeout: 0 });
          await worker.finishTasks([task!.key], [{ y: (task!.xs.x as number) * 2 }]);
        }
      }
      return ((now() - start) * 1000) / n;
    });
  } finally {
    for (const worker of workers.values()) {
      await worker.reset();
      await worker.close();
    }
  }
}

const throughputLoop: WorkerLoop = async (rush: RushWorker) => {
  while (!rush.terminated) {
    const task = await rush.popTask({ timeout: 0.5 });
    if (!task) continue;
    await rush.finishTasks([task.key], [{ y: (task.xs.x as number) * 2 }]);
  }
};

/** Case 3: tasks/s of 2 worker processes (they use the manager's durability). Per variant. */
async function queueThroughput(config: RedisConfig, variants: Variant[]): Promise<number[][]> {
  return alternate(variants, runs, async (durability) => {
    const rush = await new Rush({ networkId: newNetwork(), config, durability }).connect();
    try {
      const ids = await rush.startLocalWorkers(throughputLoop, { nWorkers: 2 });
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      const start = now();
      for (let from = 0; from < THROUGHPUT_TASKS; from += 1000) {
        const n = Math.min(1000, THROUGHPUT_TASKS - from);
        await rush.pushTasks(Array.from({ length: n }, (_, i) => ({ x: from + i })));
      }
      await until(async () => (await rush.nFinishedTasks()) >= THROUGHPUT_TASKS, 600_000, 20);
      return THROUGHPUT_TASKS / ((now() - start) / 1000);
    } finally {
      await rush.reset();
      await rush.close();
    }
  });
}

/** Case 4: cold fetchFinishedTasks of `n` tasks × 1 parameter on a fresh manager. ms. */
async function coldFetch(config: RedisConfig, n: number): Promise<Summary> {
  const networkId = newNetwork();
  const owner = await new Rush({ networkId, config }).connect();
  try {
    for (let from = 0; from < n; from += 10_000) {
      const size = Math.min(10_000, n - from);
      await owner.pushFinishedTasks(
        Array.from({ length: size }, (_, i) => ({ x0: from + i })),
        Array.from({ length: size }, (_, i) => ({ y: from + i })),
      );
    }
    const values = await repeat(runs, async () => {
      const rush = await new Rush({ networkId, config }).connect();
      const start = now();
      const rows = await rush.fetchFinishedTasks();
      const ms = now() - start;
      if (rows.length < n) throw new Error(`expected ${n} rows, got ${rows.length}`);
      await rush.close();
      return ms;
    });
    return summarize(values);
  } finally {
    await owner.reset();
    await owner.close();
  }
}

async function measure(topology: string, config: RedisConfig, withDurability: boolean) {
  add({
    topology,
    case: '0',
    what: 'floor: EXISTS round trip',
    unit: 'µs',
    value: await floor(config),
  });
  const variants: Variant[] = withDurability ? [undefined, DURABLE] : [undefined];
  const durable = `${topology}, durability { replicas: 1 }`;
  const cases = [
    ['1', 'decentralized loop, per iteration', 'µs', () => perTask(config, '1', variants)],
    ['2a', 'popTask + finishTasks, per task', 'µs', () => perTask(config, '2a', variants)],
    [
      '3',
      `queue throughput, ${THROUGHPUT_TASKS.toLocaleString('en')} tasks, 2 worker processes`,
      'tasks/s',
      () => queueThroughput(config, variants),
    ],
  ] as const;
  for (const [id, what, unit, run] of cases) {
    const [plain, withWait] = await run();
    add({ topology, case: id, what, unit, value: summarize(plain!) });
    if (!withWait) continue;
    add({ topology: durable, case: id, what, unit, value: summarize(withWait) });
    // Paired rounds: what durability adds (µs) or keeps (throughput), round by round.
    const ratio = withWait.map((v, i) => v / plain![i]!);
    add({
      topology: durable,
      case: id,
      what: `${what}: ratio to without`,
      unit: '×',
      value: summarize(ratio),
    });
    if (unit === 'µs') {
      const added = withWait.map((v, i) => v - plain![i]!);
      add({
        topology: durable,
        case: id,
        what: `${what}: added`,
        unit: 'µs',
        value: summarize(added),
      });
    }
  }
  for (const n of SIZES) {
    add({
      topology,
      case: '4',
      what: `cold fetchFinishedTasks, ${n.toLocaleString('en')} tasks × 1 param`,
      unit: 'ms',
      value: await coldFetch(config, n),
    });
  }
}

const load = loadavg()[0]!;
const standalone = await startEmbeddedRedis();
try {
  log(`standalone redis-server on ${standalone.url}`);
  await measure('standalone', standalone.url, false);
} finally {
  await standalone.stop();
}
const sentinel = await startSentinel();
try {
  log('sentinel: primary, replica, 3 sentinels');
  await measure('sentinel', sentinel.config, true);
} finally {
  await sentinel.stop();
}
const cluster = await startCluster();
try {
  log('cluster: 3 primaries + 3 replicas');
  await measure('cluster', cluster.config, true);
} finally {
  await cluster.stop();
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  redis: execFileSync('redis-server', ['--version']).toString().trim(),
  loadAverageAtStart: load,
  loadAverageAtEnd: loadavg()[0]!,
  date: new Date().toISOString(),
};
const table = [
  '| topology | case | what | median | min – max |',
  '|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.topology} | ${r.case} | ${r.what} | ${fmt(r.value.median)} ${r.unit} | ${fmt(r.value.min)} – ${fmt(r.value.max)} |`,
  ),
].join('\n');
const markdown = `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; ${machine.redis}; load average ${load.toFixed(1)} at start, ${machine.loadAverageAtEnd.toFixed(1)} at the end; ${machine.date}\n\n${table}\n`;
const name = quick ? 'topologies-quick' : 'topologies';
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL(`./results/${name}.json`, import.meta.url),
  `${JSON.stringify({ machine, quick, rows }, null, 2)}\n`,
);
writeFileSync(new URL(`./results/${name}.md`, import.meta.url), markdown);
process.stdout.write(markdown);
