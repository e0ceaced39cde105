/**
 * The dashboard at scale: 100,000 finished tasks and 200 workers on a private redis-server.
 * Measures, in headless Chromium, how long the network page takes to show everything and how
 * many bytes it costs (cold dashboard, then warm), then the bytes per second and the longest
 * main-thread task of the page while 100 tasks/s keep finishing; also the server's cost of the
 * history (from 100,000 tasks' timestamps), of a page of the task browser, of a search by
 * value and of the timeline.
 *
 *   npm run build && node --import tsx bench/dashboard.ts [--tasks 100000] [--workers 200]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildHistory } from '../dist/dashboard/history.js';
import { type Dashboard, startDashboard } from '../dist/dashboard/index.js';
import { Rush, RushWorker } from '../dist/index.js';
import { startEmbeddedRedis } from '../dist/redis/embedded-redis.js';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '200' },
    steady: { type: 'string', default: '10' },
  },
});
const nTasks = Number(values.tasks);
const nWorkers = Number(values.workers);
const steadySeconds = Number(values.steady);
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
// The workers' log records go to Redis; keep them off the terminal.
process.env.RUSHNET_LOG_LEVEL ??= 'error';
const fmtKb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Time from navigation until the page shows every worker, the counts and the result chart. */
async function loadPage(page: Page, url: string, dashboard: Dashboard) {
  const before = dashboard.bytesSent();
  const started = performance.now();
  await page.goto(url);
  // Locators, not page functions: this project's TypeScript has no DOM types, and the page's
  // Content-Security-Policy forbids evaluating strings.
  const finished = new RegExp(`^${nTasks.toLocaleString('en-US')}$`);
  await page.locator('#count-finished').filter({ hasText: finished }).waitFor({ timeout: 120_000 });
  const counts = performance.now() - started;
  await page
    .locator('#workers tbody tr')
    .nth(nWorkers - 1)
    .waitFor({ timeout: 120_000 });
  await page.locator('#chart-result:not([data-points="0"])').waitFor({ timeout: 120_000 });
  const ms = performance.now() - started;
  const points = Number(await page.getAttribute('#chart-result', 'data-points'));
  return { counts, ms, bytes: dashboard.bytesSent() - before, points };
}

const redis = await startEmbeddedRedis();
const profile = mkdtempSync(join(tmpdir(), 'rushnet-bench-chromium-'));
const workers: RushWorker[] = [];
let context: BrowserContext | undefined;
let dashboard: Dashboard | undefined;
try {
  const networkId = 'bench-dashboard';
  const rush = await new Rush({ networkId, config: redis.url }).connect();
  log(`registering ${nWorkers} workers and finishing ${nTasks} tasks`);
  const perWorker = Math.ceil(nTasks / nWorkers);
  let made = 0;
  for (let w = 0; w < nWorkers; w++) {
    const worker = await RushWorker.create({
      networkId,
      config: redis.url,
      logThresholds: { rushnet: 'info', bench: 'info' },
    });
    workers.push(worker);
    const n = Math.min(perWorker, nTasks - made);
    made += n;
    const xss = Array.from({ length: n }, () => ({
      x1: Math.random() * 15 - 5,
      x2: Math.random() * 15,
    }));
    await worker.pushFinishedTasks(
      xss,
      xss.map(({ x1, x2 }) => ({
        y: (x2 - 0.129 * x1 ** 2 + 1.59 * x1 - 6) ** 2 + 9.6 * Math.cos(x1) + 10,
      })),
    );
    await worker.pushFailedTasks([{ x1: 0, x2: 0 }], { conditions: [{ message: 'diverged' }] });
    for (let i = 0; i < 5; i++) worker.getLogger('bench').info(`record ${i} of worker ${w}`);
  }
  log(`${await rush.nFinishedTasks()} finished, ${await rush.nFailedTasks()} failed`);

  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
  });

  // Cold: the dashboard starts now and reads all 100,000 tasks for the first page.
  const coldStart = performance.now();
  dashboard = await startDashboard({ config: redis.url, network: networkId });
  const page = await context.newPage();
  const cold = await loadPage(page, dashboard.url, dashboard);
  const coldTotal = performance.now() - coldStart;
  // Warm: a second page of the same dashboard (its cache is up to date).
  const page2 = await context.newPage();
  const warm = await loadPage(page2, dashboard.url, dashboard);
  await page2.close();
  const snapshot = await (
    await fetch(`${dashboard.origin}/api/network/${networkId}/state`, {
      headers: { Authorization: `Bearer ${dashboard.token}` },
    })
  ).text();

  // Server-side views at this scale (medians of 5).
  const auth = { headers: { Authorization: `Bearer ${dashboard.token}` } };
  const api = `${dashboard.origin}/api/network/${networkId}`;
  const median = async (run: () => Promise<unknown> | unknown) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await run();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2]!;
  };
  const now = Date.now();
  const synthetic = Array.from({ length: nTasks }, (_, i) => ({
    created: now - 3_600_000,
    started: now - 3_600_000 + i * 30,
    finished: now - 3_600_000 + i * 30 + 25,
    failed: i % 100 === 0,
  }));
  const historyMs = await median(() => buildHistory(synthetic, now));
  const tasksMs = await median(() =>
    fetch(`${api}/tasks?state=finished`, auth).then((r) => r.json()),
  );
  const searchMs = await median(() => fetch(`${api}/tasks?q=diverged`, auth).then((r) => r.json()));
  const timingMs = await median(() => fetch(`${api}/timing`, auth).then((r) => r.json()));

  // Steady state: 100 tasks/s finish while the page follows; watch its main thread.
  await page.evaluate(`
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(Math.round(entry.duration));
    }).observe({ type: 'longtask' });
  `);
  const steadyBefore = dashboard.bytesSent();
  const steadyStart = performance.now();
  const until = Date.now() + steadySeconds * 1000;
  let extra = 0;
  while (Date.now() < until) {
    const worker = workers[extra % workers.length]!;
    await worker.pushFinishedTasks(
      Array.from({ length: 10 }, () => ({ x1: 1, x2: 2 })),
      [{ y: Math.random() * 100 }],
    );
    extra += 10;
    await new Promise((r) => setTimeout(r, 100));
  }
  const total = (nTasks + extra).toLocaleString('en-US');
  await page
    .locator('#count-finished')
    .filter({ hasText: new RegExp(`^${total}$`) })
    .waitFor({ timeout: 30_000 });
  const steadySecondsMeasured = (performance.now() - steadyStart) / 1000;
  const steadyBytes = dashboard.bytesSent() - steadyBefore;
  const longTasks = (await page.evaluate('window.longTasks')) as number[];
  const longest = Math.max(0, ...longTasks);
  log(`long tasks of the page while updating (ms): ${longTasks.join(' ') || 'none'}`);

  const rows = [
    [
      'scale',
      `${nTasks.toLocaleString('en-US')} finished tasks, ${nWorkers} workers, ${nWorkers * 5} log records`,
    ],
    [
      'cold page load (dashboard just started: reads every task)',
      `${cold.ms.toFixed(0)} ms (counts after ${cold.counts.toFixed(0)} ms), ${fmtKb(cold.bytes)} sent`,
    ],
    ['  from starting the dashboard to a complete page', `${coldTotal.toFixed(0)} ms`],
    [
      'warm page load (second page, cache up to date)',
      `${warm.ms.toFixed(0)} ms (counts after ${warm.counts.toFixed(0)} ms), ${fmtKb(warm.bytes)} sent`,
    ],
    ['result chart points (downsampled)', String(cold.points)],
    [
      `history from ${nTasks.toLocaleString('en-US')} tasks' timestamps (server, per first message)`,
      `${historyMs.toFixed(1)} ms`,
    ],
    ['task browser: a page of finished tasks', `${tasksMs.toFixed(0)} ms`],
    ['task browser: a search by value (newest 20,000 read)', `${searchMs.toFixed(0)} ms`],
    ['timeline and durations (GET /timing)', `${timingMs.toFixed(0)} ms`],
    ['first message uncompressed (GET /api/network/<id>/state)', fmtKb(snapshot.length)],
    [
      `steady state (${extra} more tasks at 100/s)`,
      `${fmtKb(steadyBytes / steadySecondsMeasured)}/s`,
    ],
    [
      'longest main-thread task of the page while updating',
      longest > 0 ? `${longest} ms (${longTasks.length} over 50 ms)` : 'none over 50 ms',
    ],
  ];
  process.stdout.write(
    `| measure | value |\n|---|---|\n${rows.map((r) => `| ${r[0]} | ${r[1]} |`).join('\n')}\n`,
  );
  await rush.close();
} finally {
  await context?.close();
  await dashboard?.close();
  await Promise.all(workers.map((w) => w.close()));
  await redis.stop();
  rmSync(profile, { recursive: true, force: true });
}
