/**
 * `npm run bench`: measures rushnet against the Redis floor and against BullMQ in one run, on a
 * private redis-server. Writes bench/results/latest.json and latest.md, and prints the table.
 * `--quick`: a smoke run (small sizes, no BullMQ, results/quick.*). `--no-bullmq` skips BullMQ.
 * `--cases 3,3c,7`: only these cases (results/partial.*), to measure a case again.
 */
import { startEmbeddedRedis } from '../dist/redis/embedded-redis.js';
import * as bull from './cases/bullmq.js';
import { formatCpu } from './cases/cpu.js';
import { measureFloor } from './cases/floor.js';
import { redisMemory } from './cases/redis-memory.js';
import * as queue from './cases/rushnet-queue.js';
import * as reads from './cases/rushnet-reads.js';
import { add, single, versus, write } from './report.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const withBullmq = !argv.includes('--no-bullmq') && !quick;
const only = argv.includes('--cases') ? argv[argv.indexOf('--cases') + 1]!.split(',') : undefined;
const wanted = (...ids: string[]) => only === undefined || ids.some((id) => only.includes(id));
const runs = quick ? 2 : 5;
const SIZES = quick ? [1000] : [1000, 10_000, 100_000];
const PARAMS = quick ? [1] : [1, 10];
/** Tasks per run of the in-process and throughput cases. */
const IN_PROCESS = quick ? 200 : 2000;
const THROUGHPUT = quick ? 2000 : 20_000;
const THROUGHPUT_RUNS = quick ? 1 : 3;
const MEMORY_TASKS = quick ? 2000 : 100_000;
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const bullmq = <T>(measure: () => Promise<T>) => (withBullmq ? measure() : undefined);

const server = await startEmbeddedRedis();
const url = server.url;
try {
  log(`redis-server on ${url}`);
  // The floor is measured every time: the other latencies are reported as multiples of it.
  const floor = await measureFloor(url, runs);
  const floorMs = floor.median / 1000;
  add({
    case: '0',
    what: 'floor: PING round trip (ioredis, sequential)',
    unit: 'µs',
    value: floor,
  });
  const floorOf = (us: number) => us / floor.median;

  if (wanted('1')) {
    const loop = await queue.decentralizedLoop(url, runs, IN_PROCESS);
    const row = {
      case: '1',
      what: 'decentralized loop: pushRunningTasks + finishTasks, per iteration (BullMQ: add + process)',
      unit: 'µs',
      value: loop,
      floorMultiple: floorOf(loop.median),
      target: '≤ 3 floor',
      met: floorOf(loop.median) <= 3,
    };
    add(versus(row, await bullmq(() => bull.addAndProcess(url, runs, 1000))));
  }

  if (wanted('2')) {
    const processed = await queue.processInProcess(url, runs, IN_PROCESS);
    const row = versus(
      {
        case: '2',
        what: `queue in process: processTasks (concurrency 1), per task, ${IN_PROCESS.toLocaleString('en')} queued (BullMQ: Worker, concurrency 1)`,
        unit: 'µs',
        value: processed,
        floorMultiple: floorOf(processed.median),
      },
      await bullmq(() => bull.inProcess(url, runs, IN_PROCESS)),
    );
    if (row.ratio !== undefined) {
      row.target = '≤ BullMQ';
      row.met = row.ratio <= 1;
    }
    add(row);
  }
  if (wanted('2a')) {
    const popped = await queue.popAndFinish(url, runs, IN_PROCESS);
    add({
      case: '2a',
      what: 'queue in process: popTask + finishTasks, per task',
      unit: 'µs',
      value: popped,
      floorMultiple: floorOf(popped.median),
      target: '≤ 3 floor',
      met: floorOf(popped.median) <= 3,
    });
  }

  /** A throughput case: tasks/s, and the CPU per task (µs) that explains it. */
  const throughput = async (
    id: string,
    what: string,
    mode: queue.QueueMode,
    bullConcurrency?: number,
    target?: [string, (ratio: number) => boolean],
  ) => {
    if (!wanted(id) || (quick && bullConcurrency === undefined)) return;
    const tp = await queue.queueThroughput(url, THROUGHPUT_RUNS, THROUGHPUT, mode);
    const theirs =
      bullConcurrency === undefined
        ? undefined
        : await bullmq(() => bull.throughput(url, THROUGHPUT_RUNS, THROUGHPUT, bullConcurrency));
    const row = versus(
      {
        case: id,
        what: `${what}, ${THROUGHPUT.toLocaleString('en')} tasks`,
        unit: 'tasks/s',
        value: tp.rate,
      },
      theirs?.rate,
    );
    row.detail = `CPU µs per task: ${formatCpu(tp.cpu)}${theirs ? `; BullMQ: ${formatCpu(theirs.cpu)}` : ''}`;
    if (target && row.ratio !== undefined) {
      row.target = target[0];
      row.met = target[1](row.ratio);
    }
    add(row);
  };
  await throughput(
    '3',
    'queue throughput, 2 worker processes, one task at a time: processTasks (concurrency 1) (BullMQ: concurrency 1)',
    { kind: 'processTasks', concurrency: 1 },
    1,
    ['≥ 2× BullMQ', (ratio) => ratio >= 2],
  );
  await throughput(
    '3a',
    'queue throughput: the same with popTask + finishTasks (two round trips per task)',
    {
      kind: 'popTask',
    },
  );
  await throughput(
    '3b',
    'queue throughput: the same with popTasks(50) and one finishTasks per batch',
    {
      kind: 'popTasks',
      batch: 50,
    },
  );
  await throughput(
    '3c',
    'queue throughput, 2 worker processes: processTasks (concurrency 50) (BullMQ: concurrency 50)',
    { kind: 'processTasks', concurrency: 50 },
    50,
    ['ahead of BullMQ', (ratio) => ratio > 1],
  );

  if (wanted('4', '5', '4c', '5c')) {
    for (const params of PARAMS) {
      for (const n of SIZES) {
        const { cold, cached, coldColumns, cachedColumns } = await reads.fetchFinished(
          url,
          quick ? 2 : 3,
          n,
          params,
        );
        const size = `${n.toLocaleString('en')} tasks × ${params} params`;
        const coldRow = versus(
          {
            case: '4',
            what: `cold fetchFinishedTasks: ${size} (BullMQ: getCompleted)`,
            unit: 'ms',
            value: cold,
          },
          await bullmq(() => bull.getCompleted(url, 3, n, params)),
        );
        if (n === 100_000) {
          const limit = params === 1 ? 250 : 400;
          coldRow.target = `≤ ${limit} ms`;
          coldRow.met = cold.median <= limit;
        }
        add(coldRow);
        add({
          case: '5',
          what: `cached fetchFinishedTasks after 1 new: ${size} cached`,
          unit: 'ms',
          value: cached,
          target: n === 100_000 ? '≤ 1 ms' : undefined,
          met: n === 100_000 ? cached.median <= 1 : undefined,
        });
        if (n === 100_000) {
          const limit = params === 1 ? 250 : 400;
          add({
            case: '4c',
            what: `cold fetchFinishedTasks({ columns: true }): ${size}`,
            unit: 'ms',
            value: coldColumns,
            target: `≤ ${limit} ms`,
            met: coldColumns.median <= limit,
          });
          add({
            case: '5c',
            what: `cached fetchFinishedTasks({ columns: true }) after 1 new: ${size} cached`,
            unit: 'ms',
            value: cachedColumns,
          });
        }
      }
    }
  }

  if (wanted('6')) {
    const wake = await reads.wakeLatency(url, quick ? 50 : 200);
    add({
      case: '6',
      what: 'wake latency: finishTasks → waiting fetchNewTasks returns',
      unit: 'ms',
      value: wake,
      floorMultiple: wake.median / floorMs,
      target: '≤ 2 floor + 1 ms',
      met: wake.median <= 2 * floorMs + 1,
    });
  }

  if (wanted('7')) {
    const start = await queue.workerStart(url, runs);
    add(
      versus(
        {
          case: '7',
          what: 'worker start: 2 local workers until registered (BullMQ: 2 worker processes until ready)',
          unit: 'ms',
          value: start,
          target: '≤ 400 ms',
          met: start.median <= 400,
        },
        await bullmq(() => bull.workerStart(url, runs)),
      ),
    );
  }

  if (wanted('8') && !quick) {
    const mem = await reads.memory(url, 100_000, 10);
    const what = 'memory: %s after caching 100,000 tasks × 10 params';
    add({
      case: '8',
      what: what.replace('%s', 'heap'),
      unit: 'MB',
      value: single(mem.heapMB),
      target: '≤ 150 MB',
      met: mem.heapMB <= 150,
    });
    add({ case: '8', what: what.replace('%s', 'RSS'), unit: 'MB', value: single(mem.rssMB) });
  }

  if (wanted('9')) {
    const mem = await redisMemory(url, MEMORY_TASKS, 10, withBullmq);
    const size = `${MEMORY_TASKS.toLocaleString('en')} finished tasks × 10 params`;
    const row = versus(
      {
        case: '9',
        what: `Redis memory per finished task, ${size} (BullMQ: completed jobs)`,
        unit: 'bytes',
        value: single(mem.rushnet),
      },
      mem.bullmq === undefined ? undefined : single(mem.bullmq),
    );
    const once = mem.rushnet <= 1.3 * mem.storedOnce;
    const yes = (met: boolean) => (met ? 'yes' : 'no');
    row.target =
      row.ratio === undefined
        ? `≤ 1.3× stored once (${yes(once)})`
        : `≤ BullMQ (${yes(row.ratio <= 1)}) and ≤ 1.3× stored once (${yes(once)})`;
    row.met = once && (row.ratio === undefined || row.ratio <= 1);
    add(row);
    add({
      case: '9',
      what: `the same tasks stored once (one hash: xs, ys); rushnet = ${(mem.rushnet / mem.storedOnce).toFixed(2)}× this`,
      unit: 'bytes',
      value: single(mem.storedOnce),
    });
    const p = mem.rushnetParts;
    add({
      case: '9',
      what: `where rushnet's bytes are (MEMORY USAGE per task): task hash (${p.hashEncoding}), then records log ${p.records.toFixed(0)}, key lists ${p.lists.toFixed(0)}`,
      unit: 'bytes',
      value: single(p.hash),
    });
  }

  write(quick ? 'quick' : only ? 'partial' : 'latest', { quick, cases: only ?? 'all' });
} finally {
  await server.stop();
}
