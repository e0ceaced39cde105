/**
 * Makes docs/dashboard.png and one picture per panel (docs/dashboard-<panel>.png): the network
 * page during a demo-like run (local workers minimizing the Branin function with a local
 * search marked as their optimizer, a few failed evaluations, log records), taken in headless
 * Chromium. The timeline and the history after the run are taken only when the tasks carry
 * timestamps. Starts and stops its own redis-server, workers, dashboard and browser.
 *
 *   npm run build && node --import tsx tools/dashboard-screenshot.ts [--seconds 40] [--out file]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { startDashboard } from '../dist/dashboard/index.js';
import { Rush, type RushWorker } from '../dist/index.js';
import { startEmbeddedRedis } from '../dist/redis/embedded-redis.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '40' },
    out: { type: 'string', default: 'docs/dashboard.png' },
    workers: { type: 'string', default: '4' },
  },
});
const seconds = Number(values.seconds);

/**
 * The workers' loop. It is sent to the workers as source text, so it is self-contained, and
 * it names no inner functions (tsx would wrap them in a helper the workers do not have).
 */
async function brain(rush: RushWorker, until: number): Promise<void> {
  const log = rush.getLogger('branin');
  let best: { x1: number; x2: number; y: number } | undefined;
  let seen = 0;
  log.info('worker loop started');
  while (!rush.terminated && Date.now() < until) {
    for (const row of await rush.fetchNewTasks({ fields: ['xs', 'ys'] })) {
      seen++;
      const y = row.y as number;
      if (!best || y < best.y) best = { x1: row.x1 as number, x2: row.x2 as number, y };
    }
    // Explore at random now and then; otherwise search near the best, ever closer.
    const explore = !best || seen < 30 || Math.random() < 0.15;
    const step = Math.max(0.02, 3 * 0.993 ** seen);
    const g1 = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    const g2 = Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
    const x1 = explore ? -5 + 15 * Math.random() : Math.min(10, Math.max(-5, best!.x1 + step * g1));
    const x2 = explore ? 15 * Math.random() : Math.min(15, Math.max(0, best!.x2 + step * g2));
    const [key] = await rush.pushRunningTasks([{ x1, x2 }], {
      xssExtra: [{ optimizer: 'local search' }],
    });
    await new Promise((r) => setTimeout(r, 60 + 120 * Math.random())); // a costly simulation
    if (Math.random() < 0.01) {
      const error = new Error(`simulation diverged at step ${step.toFixed(3)}`);
      await rush.failTasks([key!], {
        conditions: [{ message: error.message, name: error.name, stack: error.stack, step }],
      });
      log.warn({ x1, x2 }, 'simulation diverged');
      continue;
    }
    const a = x2 - (5.1 / (4 * Math.PI ** 2)) * x1 ** 2 + (5 / Math.PI) * x1 - 6;
    const y = a ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10; // Branin
    await rush.finishTasks([key!], [{ y }]);
    if (!best || y < best.y) {
      best = { x1, x2, y };
      log.info(`new best y = ${y.toFixed(5)} at (${x1.toFixed(3)}, ${x2.toFixed(3)})`);
    }
  }
}

const redis = await startEmbeddedRedis();
const profile = mkdtempSync(join(tmpdir(), 'rushnet-shot-'));
const rush = await new Rush({ networkId: 'branin-demo', config: redis.url }).connect();
const dashboard = await startDashboard({ config: redis.url, network: rush.networkId });
let context: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
try {
  await rush.startLocalWorkers(brain, {
    nWorkers: Number(values.workers),
    args: [Date.now() + (seconds + 30) * 1000],
    logThresholds: { rushnet: 'info', branin: 'info' },
  });
  process.stderr.write(`dashboard at ${dashboard.url}; running for ${seconds} s\n`);
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
    viewport: { width: 1440, height: 900 },
  });
  const page = await context.newPage();
  await page.goto(dashboard.url);
  await new Promise((r) => setTimeout(r, seconds * 1000)); // let the run make some history
  await page.locator('#workers tbody tr').first().waitFor();
  await page.screenshot({ path: values.out, fullPage: true });
  process.stderr.write(`wrote ${values.out}\n`);
  const shot = async (selector: string, name: string) => {
    const path = values.out.replace(/\.png$/, `-${name}.png`);
    await page.locator(selector).screenshot({ path });
    process.stderr.write(`wrote ${path}\n`);
  };
  await shot('#optimize-panel', 'optimization');
  // The task browser with a failed task's record open.
  await page.selectOption('#tasks-state', 'failed');
  await page.locator('#tasks tbody tr[data-state="failed"]').first().click();
  await page.locator('#task-record').waitFor({ state: 'visible' });
  await shot('#tasks-panel', 'tasks');
  if (Number(await page.getAttribute('#chart-lanes', 'data-tasks')) > 0)
    await shot('section.grid:has(#chart-lanes)', 'timeline');
  // After the run: a page opened now shows the whole run from the tasks' timestamps.
  await rush.stopWorkers({ type: 'terminate' });
  const after = await context.newPage();
  await after.goto(dashboard.url);
  await after.locator('#workers tbody tr').first().waitFor();
  await new Promise((r) => setTimeout(r, 3000));
  if (Number(await after.getAttribute('#chart-counts', 'data-history')) > 0) {
    const path = values.out.replace(/\.png$/, '-history.png');
    await after.locator('section.grid:has(#chart-counts)').screenshot({ path });
    process.stderr.write(`wrote ${path}\n`);
  }
} finally {
  await context?.close();
  await rush.stopWorkers({ type: 'kill' }).catch(() => {});
  await rush.close();
  await dashboard.close();
  await redis.stop();
  rmSync(profile, { recursive: true, force: true });
}
