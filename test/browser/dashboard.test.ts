/**
 * The dashboard in headless Chromium: a network with live local workers shows its workers and
 * counts, updates while tasks finish, charts results, lists failures and the log tail; the
 * overview links to it; an empty network and a lost Redis say so on the page.
 */
import { describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { manager, newNetworkId, redisUrl } from '../helpers/network.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { dashboardFor, newPage, PAGE_TIMEOUT_MS, text } from './browser.js';

const poll = { timeout: PAGE_TIMEOUT_MS, interval: 100 };

/** Workers' loop: y = x², a negative x fails; each task leaves a log record. */
async function squares(rush: RushWorker): Promise<void> {
  const log = rush.getLogger('loop');
  while (!rush.terminated) {
    const task = await rush.popTask({ timeout: 0.2 });
    if (!task) continue;
    const x = task.xs.x as number;
    if (x < 0) {
      log.warn(`negative input: ${x}`);
      await rush.failTasks([task.key], {
        conditions: [{ message: `negative input: ${x}`, code: 42 }],
      });
    } else {
      log.info(`evaluated x=${x}`);
      await rush.finishTasks([task.key], [{ y: x * x }]);
    }
  }
}

describe('the network page', () => {
  it('shows live workers, changing counts, results, failures and the log tail', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(squares, {
      nWorkers: 2,
      logThresholds: { rushnet: 'info', loop: 'info' },
    });
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    const page = await newPage();
    await page.goto(dashboard.url);

    // The workers table: one row per worker, with its pid and state.
    for (const id of ids) {
      const row = page.locator(`#workers tr[data-worker="${id}"]`);
      await row.waitFor();
      const pid = String(rush.processes.get(id)!.pid);
      await expect.poll(async () => (await row.textContent()) ?? '', poll).toContain(pid);
      expect(await row.textContent()).toContain('running');
    }
    await expect.poll(() => text(page, '#count-workers'), poll).toBe('2');

    // Counts follow the tasks without a reload.
    await page.evaluate('window.marker = 1'); // gone if the page reloads
    await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
    await expect.poll(() => text(page, '#count-finished'), poll).toBe('3');
    await rush.pushTasks([{ x: 4 }, { x: 5 }, { x: -7 }]);
    await expect.poll(() => text(page, '#count-finished'), poll).toBe('5');
    await expect.poll(() => text(page, '#count-failed'), poll).toBe('1');
    expect(await page.evaluate('window.marker')).toBe(1);
    // The workers' own totals add up.
    await expect
      .poll(async () => {
        const cells = await page.locator('#workers tbody tr td:nth-child(6)').allTextContents();
        return cells.reduce((sum, c) => sum + Number(c), 0);
      }, poll)
      .toBe(5);

    // The result chart has a point per evaluation, and the best is the minimum.
    await expect.poll(() => page.getAttribute('#chart-result', 'data-points'), poll).toBe('5');
    expect(await page.locator('#chart-result canvas').count()).toBeGreaterThan(0);
    await expect.poll(() => text(page, '#best-value'), poll).toBe('1');
    await page.selectOption('#direction-select', 'max');
    await expect.poll(() => text(page, '#best-value'), poll).toBe('25');
    expect(new URL(page.url()).searchParams.get('dir')).toBe('max');

    // The failed task with its condition.
    const failed = page.locator('#failed tbody tr', { hasText: 'negative input: -7' });
    await failed.waitFor();
    expect(await failed.textContent()).toContain('"code":42');

    // The log tail, and its level filter.
    await page.locator('#log .record', { hasText: 'evaluated x=3' }).first().waitFor();
    await page.selectOption('#level-select', 'warn');
    await page.locator('#log .record.warn', { hasText: 'negative input: -7' }).waitFor();
    await expect.poll(() => page.locator('#log .record.info').count(), poll).toBe(0);
    expect(new URL(page.url()).searchParams.get('level')).toBe('warn');

    // The choices survive a reload: they live in the address.
    await page.reload();
    await expect.poll(() => text(page, '#best-value'), poll).toBe('25');
    expect(await page.locator('#level-select').inputValue()).toBe('warn');
  });

  it('says so when the network has no data', async () => {
    const dashboard = await dashboardFor({ config: redisUrl() });
    const page = await newPage();
    const id = newNetworkId();
    await page.goto(`${dashboard.origin}/network/${id}?token=${dashboard.token}`);
    const banner = page.locator('#banner[data-state="empty"]');
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`Network "${id}" has no data`);
  });

  it('says so when Redis stops answering', async () => {
    const server = await startRedisServer();
    try {
      const rush = await manager(newNetworkId(), server.url);
      await rush.pushTasks([{ x: 1 }]);
      const dashboard = await dashboardFor({ config: server.url, network: rush.networkId });
      const page = await newPage();
      await page.goto(dashboard.url);
      await expect.poll(() => text(page, '#count-queued'), poll).toBe('1');
      await server.stop();
      const banner = page.locator('#banner[data-state="unreachable"]');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/not answering|cannot reach/i);
    } finally {
      await server.stop();
    }
  });
});

describe('the overview', () => {
  it('lists the networks with their counts and links to each', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const dashboard = await dashboardFor({ config: redisUrl() });
    const page = await newPage();
    await page.goto(dashboard.url);
    const row = page.locator(`#networks tr[data-network="${rush.networkId}"]`);
    await row.waitFor();
    await expect
      .poll(async () => (await row.locator('td').allTextContents()).slice(3, 7), poll)
      .toEqual(['2', '0', '0', '0']);
    await row.locator('a').click();
    await page.waitForURL(`**/network/${rush.networkId}`);
    await expect.poll(() => text(page, '#count-queued'), poll).toBe('2');
  });
});
