/** The scale benchmark's results as markdown: the table, the registry timings, the soak. */
import type { Summary } from '../stats.js';
import type { RegistryResult, SoakResult } from './registry.js';
import type { CellResult } from './utilization.js';

/** Utilization targets of issue 11, by "workers×ms". */
const TARGETS: Record<string, number> = { '256x1000': 0.95, '64x100': 0.9 };
const REGISTRY_TARGET_MS = 50;

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const ms = (s: Summary) =>
  `${s.median.toFixed(1)} ms (p99 ${(s.p99 ?? s.max).toFixed(1)}, max ${s.max.toFixed(1)})`;

function cellRows(cells: CellResult[]): string[] {
  return cells.map((c) => {
    const target = TARGETS[`${c.workers}x${c.durationMs}`];
    const met = target === undefined ? '' : c.utilization >= target ? 'yes' : '**no**';
    const mode = c.mode === 'grouped' ? `${c.perProcess}/process` : '1/process';
    return `| ${c.workers} | ${c.durationMs} ms | ${mode} | ${pct(c.utilization)} | ${
      target === undefined ? '' : `≥ ${100 * target} %`
    } | ${met} | ${num(c.overheadMs, 2)} ms | ${num(c.taskMs, 1)} ms | ${num(c.tasksPerSec)} | ${num(
      c.redisCpuPercent,
    )} % | ${num(c.opsPerSec)} | ${num(c.rssMBPerWorker, 1)} / ${num(c.pssMBPerWorker, 1)} MB | ${num(
      c.startS,
      1,
    )} s | ${c.load1[0]} → ${c.load1[1]} |`;
  });
}

export function markdown(results: {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string };
  cells: CellResult[];
  registry?: RegistryResult;
  soak?: SoakResult;
}): string {
  const { machine, cells, registry, soak } = results;
  const out = [
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; ${machine.date}`,
    '',
  ];
  if (cells.length > 0) {
    out.push(
      '| workers | task | workers per process | utilization | target | met | overhead / task | time inside a task | tasks/s | Redis CPU | Redis ops/s | RSS / PSS per worker | start | load (1 min) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...cellRows(cells),
      '',
    );
  }
  if (registry) {
    const r = registry;
    const met = (s: Summary) => (s.median <= REGISTRY_TARGET_MS ? 'yes' : '**no**');
    out.push(
      `With ${r.registered} registered workers (load ${r.load1}):`,
      '',
      '| call | time | target | met |',
      '|---|---|---|---|',
      `| workerInfo() | ${ms(r.workerInfoMs)} | ≤ ${REGISTRY_TARGET_MS} ms | ${met(r.workerInfoMs)} |`,
      `| detectLostWorkers() | ${ms(r.detectLostWorkersMs)} | ≤ ${REGISTRY_TARGET_MS} ms | ${met(r.detectLostWorkersMs)} |`,
      `| rushnet status --network: its work once connected (workerInfo, counts, the table) | ${ms(r.statusWorkMs)} | ≤ ${REGISTRY_TARGET_MS} ms | ${met(r.statusWorkMs)} |`,
      `| rushnet status --network: the whole process (${r.statusLines} lines) | ${ms(r.statusCliMs)} | | |`,
      `| the same on an empty network (Node start, imports, connection) | ${ms(r.statusCliEmptyMs)} | | |`,
      `| difference of the fastest runs | ${(r.statusCliMs.min - r.statusCliEmptyMs.min).toFixed(1)} ms | | |`,
      '',
    );
  }
  if (soak) {
    const s = soak;
    out.push(
      `Soak: ${s.heartbeatWorkers} heartbeat workers (period ${s.heartbeatPeriod} s, expiry ${
        3 * s.heartbeatPeriod
      } s) taking 1 s tasks for ${s.minutes} min, ${s.registered} registered in all; ` +
        `detectLostWorkers() ${s.detectCalls} times: **${s.falselyLost} falsely declared lost** ` +
        `(${s.runningAtEnd} running at the end), ${s.tasksFinished} tasks finished, ` +
        `${s.tasksFailed} failed; utilization ${pct(s.utilization)}; detectLostWorkers() ${ms(s.detectMs)}; ` +
        `Redis ${num(s.redisCpuPercent)} % CPU, ${num(s.opsPerSec)} ops/s; ` +
        `${num(s.rssMBPerHeartbeatWorker, 1)} MB RSS (${num(s.pssMBPerHeartbeatWorker, 1)} MB PSS) per heartbeat worker; ` +
        `load ${s.load1.join(', ')}.`,
      '',
    );
  }
  return `${out.join('\n')}`;
}
