/** The scale benchmark's results as markdown: the table, the registry timings, the soak. */
import type { Summary } from '../stats.js';
import type { RegistryResult, RegistryTimes, SoakResult } from './registry.js';
import type { CellResult } from './utilization.js';

/** Utilization targets of issue 11, by "workers×ms". */
const TARGETS: Record<string, number> = { '256x1000': 0.95, '64x100': 0.9 };
const REGISTRY_TARGET_MS = 50;

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
const num = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
const ms = (s: Summary) =>
  `${s.median.toFixed(1)} ms (p99 ${(s.p99 ?? s.max).toFixed(1)}, max ${s.max.toFixed(1)})`;

/**
 * One row per cell (workers, duration, workers per process): the figures of its run with the
 * median utilization, and the range of utilization over its runs.
 */
function cellRows(cells: CellResult[]): string[] {
  const groups = new Map<string, CellResult[]>();
  for (const c of cells) {
    const id = `${c.workers}/${c.durationMs}/${c.mode}`;
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  return [...groups.values()].map((runs) => {
    const sorted = [...runs].sort((a, b) => a.utilization - b.utilization);
    const c = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const range =
      runs.length > 1
        ? ` (${(100 * sorted[0]!.utilization).toFixed(1)}–${(100 * sorted.at(-1)!.utilization).toFixed(1)})`
        : '';
    const loads = runs.flatMap((run) => run.load1);
    const target = TARGETS[`${c.workers}x${c.durationMs}`];
    const replaced = c.startFailures > 0 ? ` (${c.startFailures} replaced)` : '';
    const cpu = [c.workerCpuPercent, c.redisCpuPercent, c.managerCpuPercent].map((v) => num(v));
    const row = [
      c.workers,
      `${c.durationMs} ms`,
      c.mode === 'grouped' ? `${Math.min(c.workers, c.perProcess ?? 1)}` : '1',
      `${pct(c.utilization)}${range}`,
      target === undefined ? '' : `≥ ${100 * target} %`,
      target === undefined ? '' : c.utilization >= target ? 'yes' : '**no**',
      `${num(c.overheadMs, 2)} ms`,
      `${num(c.taskMs, 1)} ms`,
      num(c.tasksPerSec),
      `${cpu.join(' / ')} %`,
      num(c.opsPerSec),
      `${num(c.rssMBPerWorker, 1)} / ${num(c.pssMBPerWorker, 1)} MB`,
      `${num(c.startS, 1)} s${replaced}`,
      `${Math.min(...loads)}–${Math.max(...loads)}`,
    ];
    return `| ${row.join(' | ')} |`;
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
      '| workers | task | workers per process | utilization (median, range) | target | met | overhead / task | time inside a task | tasks/s | CPU: workers / Redis / manager | Redis ops/s | RSS / PSS per worker | start | load (1 min, min–max) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...cellRows(cells),
      '',
    );
  }
  if (registry) {
    const r = registry;
    const met = (s: Summary) => (s.median <= REGISTRY_TARGET_MS ? 'yes' : '**no**');
    const rows = (label: string, t: RegistryTimes) => [
      `| workerInfo(), ${label} | ${ms(t.workerInfoMs)} | ≤ ${REGISTRY_TARGET_MS} ms | ${met(t.workerInfoMs)} |`,
      `| detectLostWorkers(), ${label} | ${ms(t.detectLostWorkersMs)} | ≤ ${REGISTRY_TARGET_MS} ms | ${met(t.detectLostWorkersMs)} |`,
      `| rushnet status --network, its work once connected, ${label} | ${ms(t.statusWorkMs)} | ≤ ${REGISTRY_TARGET_MS} ms | ${met(t.statusWorkMs)} |`,
      `| rushnet status --network, the whole process (${r.statusLines} lines), ${label} | ${ms(t.statusCliMs)} | | |`,
      `| the same on an empty network (Node start, imports, connection), ${label} | ${ms(t.statusCliEmptyMs)} | | |`,
    ];
    out.push(
      `With ${r.registered} registered workers. Idle, they cost ${num(r.idle.heartbeatCpuPercent)} % of a core in the processes ` +
        `of the ${r.idle.heartbeatWorkers} heartbeat workers, ${num(r.idle.plainCpuPercent)} % in those of the ${r.idle.plainWorkers} others, ` +
        `Redis ${num(r.idle.redisCpuPercent)} % and ${num(r.idle.opsPerSec)} commands/s. Load ${r.running.load1} ` +
        `(workers running), ${r.paused.load1} (workers stopped for ${(r.pausedMs / 1000).toFixed(1)} s):`,
      '',
      '| call | time (median, p99, max) | target | met |',
      '|---|---|---|---|',
      ...rows('workers running', r.running),
      ...rows('workers stopped', r.paused),
      '',
    );
  }
  if (soak) {
    const s = soak;
    out.push(
      `Soak: ${s.heartbeatWorkers} heartbeat workers (period ${s.heartbeatPeriod} s, expiry ${
        3 * s.heartbeatPeriod
      } s) taking 1 s tasks for ${s.minutes} min; ` +
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
