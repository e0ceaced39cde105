/**
 * Prometheus metrics of networks, in the text exposition format (version 0.0.4), written here
 * rather than with prom-client: every value is read from Redis at scrape time (a counter such
 * as the finished total is the length of the network's finished list, so it stays right when
 * the exporter restarts), which is a handful of lines to print, not a registry to keep.
 * docs/dashboard.md lists the metrics; docs/grafana-dashboard.json charts them.
 */
import type { Redis } from 'ioredis';
import { RushKeys } from '../redis/keys.js';
import type { NetworkCounts } from '../types.js';
import { DURATION_BOUNDS, type Durations } from './durations.js';
import type { NetworkMonitor } from './monitor.js';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** What is known of one network at a scrape. */
export interface NetworkMetrics {
  network: string;
  counts: NetworkCounts;
  /** Running workers whose heartbeat expired (lost, not yet moved to terminated). */
  lost?: number;
  durations?: Durations;
  /** Runs beyond the first, over the finished and failed tasks. */
  retries?: number;
}

/** Every metric this module writes, with its type and help text (the Grafana test reads it). */
export const METRICS = {
  rushnet_tasks: ['gauge', 'Tasks of the network by state (queued, running, finished, failed).'],
  rushnet_tasks_finished_total: ['counter', 'Tasks that finished (from Redis).'],
  rushnet_tasks_failed_total: ['counter', 'Tasks that failed for good (from Redis).'],
  rushnet_workers: ['gauge', 'Registered workers by state (running, terminated).'],
  rushnet_workers_lost: [
    'gauge',
    'Running workers whose heartbeat expired: lost, not yet moved to terminated.',
  ],
  rushnet_task_retries_total: [
    'counter',
    'Runs of tasks beyond their first (tries - 1), over finished and failed tasks.',
  ],
  rushnet_task_duration_seconds: [
    'histogram',
    'Run time of finished tasks (finished_at - started_at); tasks without timestamps are left out.',
  ],
} as const satisfies Record<string, readonly [string, string]>;

type Name = keyof typeof METRICS;

/** A label value as the format wants it: backslash, double quote and newline escaped. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : '-Inf');

/** The exposition text for these networks (every metric once, with a line per network). */
export function renderMetrics(networks: readonly NetworkMetrics[]): string {
  const lines: string[] = [];
  const head = (name: Name) => {
    lines.push(`# HELP ${name} ${METRICS[name][1]}`, `# TYPE ${name} ${METRICS[name][0]}`);
  };
  const sample = (name: string, labels: Record<string, string>, value: number) => {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${label(v)}"`)
      .join(',');
    lines.push(`${name}{${text}} ${num(value)}`);
  };
  head('rushnet_tasks');
  for (const { network, counts: c } of networks)
    for (const state of ['queued', 'running', 'finished', 'failed'] as const)
      sample('rushnet_tasks', { network, state }, c[state]);
  head('rushnet_tasks_finished_total');
  for (const n of networks)
    sample('rushnet_tasks_finished_total', { network: n.network }, n.counts.finished);
  head('rushnet_tasks_failed_total');
  for (const n of networks)
    sample('rushnet_tasks_failed_total', { network: n.network }, n.counts.failed);
  head('rushnet_workers');
  for (const { network, counts: c } of networks) {
    sample('rushnet_workers', { network, state: 'running' }, c.runningWorkers);
    sample('rushnet_workers', { network, state: 'terminated' }, c.terminatedWorkers);
  }
  head('rushnet_workers_lost');
  for (const n of networks)
    if (n.lost !== undefined) sample('rushnet_workers_lost', { network: n.network }, n.lost);
  head('rushnet_task_retries_total');
  for (const n of networks)
    if (n.retries !== undefined)
      sample('rushnet_task_retries_total', { network: n.network }, n.retries);
  head('rushnet_task_duration_seconds');
  for (const { network, durations: d } of networks) {
    if (!d) continue;
    const cumulative = d.cumulative();
    DURATION_BOUNDS.forEach((le, i) => {
      sample('rushnet_task_duration_seconds_bucket', { network, le: String(le) }, cumulative[i]!);
    });
    sample('rushnet_task_duration_seconds_bucket', { network, le: '+Inf' }, d.count);
    sample('rushnet_task_duration_seconds_sum', { network }, d.sum);
    sample('rushnet_task_duration_seconds_count', { network }, d.count);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Running workers with a heartbeat whose heartbeat key has expired: lost, though nobody has
 * called detectLostWorkers yet. One round trip on `client`.
 */
export async function countLost(client: Redis, monitor: NetworkMonitor): Promise<number> {
  const k = new RushKeys(monitor.networkId);
  const watched = [...monitor.workers.values()].filter((w) => w.state === 'running' && w.heartbeat);
  if (watched.length === 0) return 0;
  const alive = await client.exists(...watched.map((w) => k.heartbeat(w.id)));
  return watched.length - alive;
}

/** The metrics of a watched network, from its monitor's last read. */
export async function monitorMetrics(
  monitor: NetworkMonitor,
  quick: Redis,
): Promise<NetworkMetrics | undefined> {
  if (!monitor.counts) return undefined;
  return {
    network: monitor.networkId,
    counts: monitor.counts,
    lost: await countLost(quick, monitor),
    durations: monitor.times.durations,
    retries: monitor.times.totalRetries,
  };
}
