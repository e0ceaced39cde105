/**
 * A real Prometheus (Debian's package: temporary directory, free port, stopped by pid) scrapes
 * a dashboard's /metrics with the Bearer token while workers run tasks, and its HTTP API then
 * holds the network's counts: totals that rose during the run and end at what Redis says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import type { RushWorker } from '../../src/index.js';
import {
  killAndWait,
  manager,
  redisUrl,
  tempDir,
  trackProcess,
  waitUntil,
} from '../helpers/network.js';
import { freePort } from '../helpers/redis-server.js';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
let prometheus: ChildProcess | undefined;
let dashboard: Dashboard | undefined;
afterEach(async () => {
  if (prometheus) await killAndWait(prometheus);
  prometheus = undefined;
  await dashboard?.close();
  dashboard = undefined;
});

/** Workers' loop: each task takes a little while, so the run spans several scrapes. */
async function slowSquares(rush: RushWorker): Promise<void> {
  await rush.processTasks(async (task) => {
    await new Promise((r) => setTimeout(r, 150));
    const x = task.xs.x as number;
    if (x % 10 === 0) throw new Error(`x = ${x} fails on purpose`);
    return { y: x * x };
  });
}

/** One instant query: the first result's value, or undefined while there is none. */
async function query(port: number, expr: string): Promise<number | undefined> {
  const res = await fetch(
    `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`,
  );
  const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
  const value = body.data?.result?.[0]?.value[1];
  return value === undefined ? undefined : Number(value);
}

describe('a real Prometheus', () => {
  it('scrapes /metrics during a run and holds the network’s counts', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 0 }]); // the network exists before the first scrape
    dashboard = await startDashboard({ config: redisUrl(), network: rush.networkId });
    const dir = tempDir('rushnet-prometheus-');
    const target = new URL(dashboard.origin).host;
    writeFileSync(
      join(dir, 'prom.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: rushnet',
        '    authorization:',
        '      type: Bearer',
        `      credentials: '${dashboard.token}'`,
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    prometheus = trackProcess(
      spawn(
        PROMETHEUS,
        [
          `--config.file=${join(dir, 'prom.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: 'ignore' },
      ),
    );
    const net = `{network="${rush.networkId}"}`;
    // The first scrape, before the workers start.
    await waitUntil(
      async () =>
        (await query(port, `rushnet_tasks_finished_total${net}`).catch(() => undefined)) === 0,
      { timeoutMs: 30_000, intervalMs: 250, what: 'the first scrape' },
    );

    const n = 40;
    await rush.pushTasks(Array.from({ length: n }, (_, i) => ({ x: i + 1 })));
    await rush.startLocalWorkers(slowSquares, { nWorkers: 2 });
    await waitUntil(
      async () => (await rush.nFinishedTasks()) + (await rush.nFailedTasks()) > n / 2,
      {
        timeoutMs: 60_000,
        what: 'half of the run',
      },
    );
    // A scrape in the middle of the run saw a count between the start and the end.
    const middle = await waitUntil(
      async () => {
        const v = await query(port, `rushnet_tasks_finished_total${net}`);
        return v !== undefined && v > 0 && v < n - 4 ? v : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'a scrape during the run' },
    );
    expect(middle).toBeGreaterThan(0);
    await rush.waitForTasks(await rush.tasks(), { timeout: 60 });
    await rush.stopWorkers({ type: 'terminate' });

    const counts = await rush.counts();
    expect(counts.finished + counts.failed).toBe(n + 1);
    const agree = async () =>
      (await query(port, `rushnet_tasks_finished_total${net}`)) === counts.finished &&
      (await query(port, `rushnet_tasks_failed_total${net}`)) === counts.failed &&
      (await query(port, `rushnet_tasks{network="${rush.networkId}",state="queued"}`)) === 0;
    await waitUntil(agree, { timeoutMs: 30_000, intervalMs: 250, what: 'the final counts' });
    expect(counts.failed).toBe(5); // x = 0, 10, 20, 30, 40
    // The totals rose during the run: Prometheus saw them change (not just the end).
    expect(await query(port, `min_over_time(rushnet_tasks_finished_total${net}[5m])`)).toBe(0);
    // Durations: counted for tasks that carry timestamps (none on data written before them).
    const timed = (await rush.fetchFinishedTasks()).filter(
      (r) => typeof (r as Record<string, unknown>).started_at === 'number',
    ).length;
    await waitUntil(
      async () => (await query(port, `rushnet_task_duration_seconds_count${net}`)) === timed,
      { timeoutMs: 30_000, intervalMs: 250, what: `${timed} durations` },
    );
  }, 120_000);
});
