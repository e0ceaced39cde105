/**
 * `npm run bench`: measures rushnet against the Redis floor and against BullMQ in one run, on a
 * private redis-server. Writes bench/results/latest.json and latest.md, and prints the table.
 * `--quick` runs a smoke version (floor and case 1, small); `--no-bullmq` skips BullMQ.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { startEmbeddedRedis } from '../dist/redis/embedded-redis.js';
import * as bull from './cases/bullmq.js';
import { measureFloor } from './cases/floor.js';
import * as rush from './cases/rushnet.js';
import type { Summary } from './stats.js';

const quick = process.argv.includes('--quick');
const withBullmq = !process.argv.includes('--no-bullmq') && !quick;
const runs = quick ? 2 : 5;
const SIZES = quick ? [1000] : [1000, 10_000, 100_000];
const PARAMS = quick ? [1] : [1, 10];

interface Row {
  case: string;
  what: string;
  unit: string;
  value: Summary;
  floorMultiple?: number;
  target?: string;
  met?: boolean;
  bullmq?: Summary;
  /** rushnet / BullMQ, so that below 1 is faster for times, above 1 better for rates. */
  ratio?: number;
}

const rows: Row[] = [];
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

function add(row: Row): void {
  rows.push(row);
  const extra = row.floorMultiple !== undefined ? ` (${row.floorMultiple.toFixed(2)}× floor)` : '';
  log(`${row.case} ${row.what}: ${row.value.median.toFixed(3)} ${row.unit}${extra}`);
}

const server = await startEmbeddedRedis();
const url = server.url;
try {
  const redisVersion = execFileSync('redis-server', ['--version']).toString().trim();
  log(`redis-server on ${url}`);
  const floor = await measureFloor(url, runs);
  const floorMs = floor.median / 1000;
  add({
    case: '0',
    what: 'floor: PING round trip (ioredis, sequential)',
    unit: 'µs',
    value: floor,
  });

  const loop = await rush.decentralizedLoop(url, runs, quick ? 200 : 2000);
  add({
    case: '1',
    what: 'decentralized loop: pushRunningTasks + finishTasks, per iteration',
    unit: 'µs',
    value: loop,
    floorMultiple: loop.median / floor.median,
    target: '≤ 3 floor',
    met: loop.median / floor.median <= 3,
  });
  if (withBullmq) {
    const bullLoop = await bull.addAndProcess(url, runs, 1000);
    const last = rows.at(-1)!;
    last.bullmq = bullLoop;
    last.ratio = loop.median / bullLoop.median;
    log(`  BullMQ add + process: ${bullLoop.median.toFixed(1)} µs`);
  }

  if (!quick) {
    const queue = await rush.queueOverhead(url, runs, 2000);
    add({
      case: '2',
      what: 'queue overhead: popTask + finishTasks, per task',
      unit: 'µs',
      value: queue,
      floorMultiple: queue.median / floor.median,
      target: '≤ 3 floor',
      met: queue.median / floor.median <= 3,
    });

    const tp = await rush.queueThroughput(url, 3, 20_000);
    const row: Row = {
      case: '3',
      what: 'queue throughput: 20,000 tasks, 2 worker processes',
      unit: 'tasks/s',
      value: tp,
    };
    if (withBullmq) {
      row.bullmq = await bull.throughput(url, 3, 20_000);
      row.ratio = tp.median / row.bullmq.median;
      row.target = '≥ 8,000/s and ≥ 2× BullMQ';
      row.met = tp.median >= 8000 && row.ratio >= 2;
      log(`  BullMQ: ${row.bullmq.median.toFixed(0)} jobs/s`);
    } else {
      row.target = '≥ 8,000/s';
      row.met = tp.median >= 8000;
    }
    add(row);
    const batched = await rush.queueThroughput(url, 3, 20_000, 50);
    add({
      case: '3b',
      what: 'queue throughput: the same with popTasks(50) and one finishTasks per batch',
      unit: 'tasks/s',
      value: batched,
    });
  }

  for (const params of PARAMS) {
    for (const n of SIZES) {
      const { cold, cached } = await rush.fetchFinished(url, quick ? 2 : 3, n, params);
      const coldRow: Row = {
        case: '4',
        what: `cold fetchFinishedTasks: ${n.toLocaleString('en')} tasks × ${params} params`,
        unit: 'ms',
        value: cold,
      };
      if (n === 100_000) {
        coldRow.target = '≤ 300 ms, ≥ 3× faster than BullMQ';
        coldRow.met = cold.median <= 300;
      }
      if (withBullmq) {
        coldRow.bullmq = await bull.getCompleted(url, 3, n, params);
        coldRow.ratio = cold.median / coldRow.bullmq.median;
        if (n === 100_000) coldRow.met = cold.median <= 300 && coldRow.ratio <= 1 / 3;
        log(`  BullMQ getCompleted: ${coldRow.bullmq.median.toFixed(1)} ms`);
      }
      add(coldRow);
      add({
        case: '5',
        what: `cached fetchFinishedTasks after 1 new: ${n.toLocaleString('en')} cached × ${params} params`,
        unit: 'ms',
        value: cached,
        target: n === 100_000 ? '≤ 2 ms' : undefined,
        met: n === 100_000 ? cached.median <= 2 : undefined,
      });
    }
  }

  if (!quick) {
    const wake = await rush.wakeLatency(url, 200);
    add({
      case: '6',
      what: 'wake latency: finishTasks → waiting fetchNewTasks returns (200 events)',
      unit: 'ms',
      value: wake,
      floorMultiple: wake.median / floorMs,
      target: '≤ 2 floor + 1 ms',
      met: wake.median <= 2 * floorMs + 1,
    });
    const start = await rush.workerStart(url, runs);
    add({
      case: '7',
      what: 'worker start: 2 local workers until registered',
      unit: 'ms',
      value: start,
      target: '≤ 600 ms',
      met: start.median <= 600,
    });
    const mem = await rush.memory(url, 100_000, 10);
    const single = (v: number): Summary => ({ median: v, min: v, max: v, runs: 1 });
    add({
      case: '8',
      what: 'memory: heap after caching 100,000 tasks × 10 params',
      unit: 'MB',
      value: single(mem.heapMB),
      target: '≤ 150 MB',
      met: mem.heapMB <= 150,
    });
    add({
      case: '8',
      what: 'memory: RSS after caching 100,000 tasks × 10 params',
      unit: 'MB',
      value: single(mem.rssMB),
    });
  }

  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: redisVersion,
    date: new Date().toISOString(),
  };
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));
  const table = [
    '| case | what | median | min – max | × floor | target | met | BullMQ median | rushnet / BullMQ |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      [
        r.case,
        r.what,
        `${fmt(r.value.median)} ${r.unit}${r.value.p99 !== undefined ? ` (p99 ${fmt(r.value.p99)})` : ''}`,
        `${fmt(r.value.min)} – ${fmt(r.value.max)}`,
        r.floorMultiple !== undefined ? r.floorMultiple.toFixed(2) : '',
        r.target ?? '',
        r.met === undefined ? '' : r.met ? 'yes' : '**no**',
        r.bullmq ? `${fmt(r.bullmq.median)} ${r.unit}` : '',
        r.ratio !== undefined ? r.ratio.toFixed(2) : '',
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .replace(/$/, ' |'),
    ),
  ].join('\n');
  const markdown = `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; ${machine.redis}; ${machine.date}\n\n${table}\n`;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const name = quick ? 'quick' : 'latest';
  writeFileSync(
    new URL(`./results/${name}.json`, import.meta.url),
    `${JSON.stringify({ machine, quick, rows }, null, 2)}\n`,
  );
  writeFileSync(new URL(`./results/${name}.md`, import.meta.url), markdown);
  process.stdout.write(markdown);
} finally {
  await server.stop();
}
