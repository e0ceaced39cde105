/**
 * The dashboard's panels in headless Chromium: a page opened after a run shows the run (history
 * from the tasks' timestamps, where they carry them), the task browser filters, searches and
 * opens one task's full record, the timeline and durations follow the tasks' times, the
 * optimization view shows each parameter against the result, and log ticks read 1e-4, not 0.
 */
import { describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import { manager, redisUrl } from '../helpers/network.js';
import { dashboardFor, newPage, PAGE_TIMEOUT_MS, text } from './browser.js';

const poll = { timeout: PAGE_TIMEOUT_MS, interval: 100 };

/** Workers' loop: y = x², x = 7 fails with a stack; every task takes a few ms. */
async function squares(rush: RushWorker): Promise<void> {
  await rush.processTasks(async (task) => {
    await new Promise((r) => setTimeout(r, 5));
    const x = task.xs.x as number;
    if (x === 7) throw new Error(`seven is not allowed (x = ${x})`);
    return { y: x * x, note: `square of ${x}` };
  });
}

/** Whether the rows of this network carry the lifecycle timestamps. */
function timed(rows: Record<string, unknown>[]): boolean {
  return rows.some((r) => typeof r.started_at === 'number' && typeof r.finished_at === 'number');
}

describe('the panels of a network page', () => {
  it('a page opened after a run shows it: history, timeline, durations, task browser', async () => {
    const rush = await manager();
    const ids = await rush.startLocalWorkers(squares, { nWorkers: 2 });
    await rush.waitForWorkers({ workerIds: ids, timeout: 30 });
    // Pushed once both wait for tasks, so both take some (pushed earlier, the first worker up
    // could run all 30 before the second had started: the timeline would have one lane).
    const keys = await rush.pushTasks(Array.from({ length: 30 }, (_, i) => ({ x: i + 1 })));
    await rush.waitForTasks(keys, { timeout: 60 });
    await rush.stopWorkers({ type: 'terminate' });
    const withTimes = timed((await rush.fetchFinishedTasks()) as Record<string, unknown>[]);

    // Only now the dashboard starts: nothing of the run was seen live.
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    const page = await newPage();
    await page.goto(dashboard.url);
    await expect.poll(() => text(page, '#count-finished'), poll).toBe('29');
    const history = page.locator('#chart-counts');
    expect(withTimes, 'the rows carry the lifecycle timestamps').toBe(true);
    // The run, rebuilt from the tasks' timestamps, before the first live sample.
    await expect
      .poll(async () => Number(await history.getAttribute('data-history')), poll)
      .toBeGreaterThan(10);
    expect(await text(page, '#history-note')).toContain("from the tasks' timestamps");
    await expect
      .poll(async () => Number(await page.getAttribute('#chart-lanes', 'data-tasks')), poll)
      .toBe(30);
    expect(await page.getAttribute('#chart-lanes', 'data-lanes')).toBe('2');
    await expect
      .poll(async () => Number(await page.getAttribute('#chart-durations', 'data-count')), poll)
      .toBe(29);

    // The task browser: all 30, newest first, in pages of 50.
    await expect.poll(() => text(page, '#tasks-range'), poll).toBe('1–30 of 30');
    await page.selectOption('#tasks-state', 'failed');
    await expect.poll(() => page.locator('#tasks tbody tr').count(), poll).toBe(1);
    expect(await page.getAttribute('#tasks tbody tr', 'data-state')).toBe('failed');
    await page.selectOption('#tasks-state', 'all');
    // A search by a value (in the result) and by a key.
    await page.fill('#tasks-search', 'square of 12');
    await expect.poll(() => page.locator('#tasks tbody tr').count(), poll).toBe(1);
    expect(await text(page, '#tasks tbody tr td:nth-child(5)')).toContain('"y":144');
    const key = keys[3]!;
    await page.fill('#tasks-search', key.slice(0, 13));
    await expect.poll(() => page.getAttribute('#tasks tbody tr', 'data-key'), poll).toBe(key);

    // One task's full record: the failed one, with its condition and stack.
    await page.fill('#tasks-search', 'seven is not allowed');
    const row = page.locator('#tasks tbody tr[data-state="failed"]');
    await row.waitFor();
    await row.click();
    const record = page.locator('#task-record');
    await record.waitFor({ state: 'visible' });
    expect(await text(page, '#record-state')).toBe('failed');
    expect(await text(page, '#record-fields pre[data-field="xs"]')).toContain('"x": 7');
    const condition = await text(page, '#record-fields pre[data-field="condition"]');
    expect(condition).toContain('seven is not allowed (x = 7)');
    // The stack, where the condition carries one (processTasks records it), on lines of its own.
    const stored = (await rush.fetchFailedTasks())[0]!.condition as { stack?: unknown };
    if (typeof stored.stack === 'string')
      expect(condition).toMatch(/stack:\nError: seven is not allowed/);
    expect(await text(page, '#record-times')).toContain('started_at');
  });

  it('every value is shown as text, never as HTML', async () => {
    const rush = await manager();
    const evil = '<img src=x onerror="window.pwned=1"><b>bold</b>';
    const stack = 'Error: boom\n    at evaluate (loop.js:1:1)';
    await rush.pushFailedTasks([{ name: evil }], { conditions: [{ message: evil, stack }] });
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    const page = await newPage();
    await page.goto(dashboard.url);
    const row = page.locator('#tasks tbody tr');
    await row.waitFor();
    await row.click();
    await page.locator('#task-record').waitFor({ state: 'visible' });
    expect(await text(page, '#record-fields pre[data-field="xs"]')).toContain('<img src=x');
    expect(await page.locator('#network-view img, #network-view b').count()).toBe(0);
    // The condition's stack on lines of its own.
    expect(await text(page, '#record-fields pre[data-field="condition"]')).toContain(
      `stack:\n${stack}`,
    );
    expect(await page.evaluate('window.pwned')).toBeUndefined();
  });

  it('the optimization view: a scatter per parameter, log axes, the best configuration', async () => {
    const rush = await manager();
    const xss = Array.from({ length: 60 }, (_, i) => ({
      lr: 10 ** (-5 + (i % 30) / 6),
      layers: 1 + (i % 4),
      act: i % 2 ? 'relu' : 'tanh',
    }));
    // The loss is smallest at lr = 1e-3 and spans decades.
    const yss = xss.map((x) => ({ loss: 1e-4 + Math.abs(Math.log10(x.lr) + 3) ** 3 }));
    await rush.pushFinishedTasks(xss, yss, { xssExtra: [{ optimizer: 'randomSearch' }] });
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    const page = await newPage();
    await page.goto(dashboard.url);
    const panel = page.locator('#optimize-panel');
    await panel.waitFor({ state: 'visible' });
    expect(await panel.getAttribute('data-optimizer')).toBe('randomSearch');
    for (const name of ['lr', 'layers', 'act']) {
      const scatter = page.locator(`.scatter[data-param="${name}"]`);
      await expect.poll(() => scatter.getAttribute('data-points'), poll).toBe('60');
      expect(await scatter.locator('canvas').count()).toBeGreaterThan(0);
    }
    // lr spans decades (log axis), layers does not.
    expect(await page.getAttribute('.scatter[data-param="lr"]', 'data-log')).toBe('1');
    expect(await page.getAttribute('.scatter[data-param="layers"]', 'data-log')).toBe('0');
    const best = Math.min(...yss.map((y) => y.loss));
    const bestAt = xss[yss.findIndex((y) => y.loss === best)]!;
    await expect
      .poll(() => text(page, '#opt-best tr[data-param="lr"] td'), poll)
      .toBe(String(bestAt.lr));
    expect(await text(page, '#opt-best tr[data-param="act"] td')).toBe(bestAt.act);
    expect(Number(await page.getAttribute('#chart-best-time', 'data-points'))).toBeGreaterThan(1);
    // The result chart chose a log axis by itself (results span decades), ticks read 1e-4.
    await expect.poll(() => page.getAttribute('#chart-result', 'data-log'), poll).toBe('1');
    expect(await page.isChecked('#log-scale')).toBe(true);
    // The page's own tick labels (vitest must not rewrite the import: a string).
    const ticks = await page.evaluate(
      "import('/assets/charts.js').then((m) => [1e-4, 1e-5, 0.001, 0.5, 10, 2e6].map(m.tick))",
    );
    expect(ticks).toEqual(['1e-4', '1e-5', '0.001', '0.5', '10', '2e6']);
  });

  it('without an optimizer in xs_extra, no optimization view', async () => {
    const rush = await manager();
    await rush.pushFinishedTasks([{ x: 1 }, { x: 2 }], [{ y: 1 }, { y: 4 }]);
    const dashboard = await dashboardFor({ config: redisUrl(), network: rush.networkId });
    const page = await newPage();
    await page.goto(dashboard.url);
    await expect.poll(() => text(page, '#tasks-range'), poll).toBe('1–2 of 2');
    expect(await page.locator('#optimize-panel').isHidden()).toBe(true);
  });
});
