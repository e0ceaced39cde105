/** The benchmark's rows, and the table and files they end in (bench/results/<name>.{md,json}). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import type { Summary } from './stats.js';

export interface Row {
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
  /** The machine's 1-minute load average when the row was measured (2 cores). */
  load?: number;
  /** A measurement that explains the figure (shown after the row's description). */
  detail?: string;
}

export const rows: Row[] = [];
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);

/** One measured value as a summary. */
export const single = (v: number): Summary => ({ median: v, min: v, max: v, runs: 1 });

/** Records a row (with the load average now) and prints it. */
export function add(row: Row): Row {
  const load = row.load ?? loadavg()[0]!;
  row.load = load;
  rows.push(row);
  const extra = row.floorMultiple !== undefined ? ` (${row.floorMultiple.toFixed(2)}× floor)` : '';
  const bull = row.bullmq
    ? `; BullMQ ${fmt(row.bullmq.median)} (ratio ${row.ratio?.toFixed(2)})`
    : '';
  log(
    `${row.case} ${row.what}: ${fmt(row.value.median)} ${row.unit}${extra}${bull} [load ${load.toFixed(1)}]`,
  );
  if (row.detail) log(`  ${row.detail}`);
  return row;
}

/** Adds BullMQ's figure and the ratio rushnet / BullMQ to a row (nothing without one). */
export function versus(row: Row, bullmq: Summary | undefined): Row {
  if (!bullmq) return row;
  row.bullmq = bullmq;
  row.ratio = row.value.median / bullmq.median;
  return row;
}

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(3));

function table(): string {
  const header =
    '| case | what | median | min – max | × floor | target | met | BullMQ median | rushnet / BullMQ | load |';
  const lines = rows.map((r) =>
    [
      r.case,
      r.detail ? `${r.what}. *${r.detail}*` : r.what,
      `${fmt(r.value.median)} ${r.unit}${r.value.p99 !== undefined ? ` (p99 ${fmt(r.value.p99)})` : ''}`,
      r.value.runs > 1 ? `${fmt(r.value.min)} – ${fmt(r.value.max)}` : '',
      r.floorMultiple !== undefined ? r.floorMultiple.toFixed(2) : '',
      r.target ?? '',
      r.met === undefined ? '' : r.met ? 'yes' : '**no**',
      r.bullmq ? `${fmt(r.bullmq.median)} ${r.unit}` : '',
      r.ratio !== undefined ? r.ratio.toFixed(2) : '',
      r.load !== undefined ? r.load.toFixed(1) : '',
    ].join(' | '),
  );
  return [
    header,
    '|---|---|---|---|---|---|---|---|---|---|',
    ...lines.map((l) => `| ${l} |`),
  ].join('\n');
}

/** Writes bench/results/<name>.json and <name>.md and prints the table. */
export function write(name: string, meta: Record<string, unknown>): void {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: execFileSync('redis-server', ['--version']).toString().trim(),
    date: new Date().toISOString(),
  };
  const markdown =
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; ` +
    `${machine.redis}; ${machine.date}. "load": the 1-minute load average when the row was ` +
    `measured (2 cores, shared).\n\n${table()}\n`;
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL(`./results/${name}.json`, import.meta.url),
    `${JSON.stringify({ machine, ...meta, rows }, null, 2)}\n`,
  );
  writeFileSync(new URL(`./results/${name}.md`, import.meta.url), markdown);
  process.stdout.write(markdown);
}
