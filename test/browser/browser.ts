/**
 * Helpers of the browser tests: one headless Chromium per test file (Debian's, never a
 * download), a fresh page per test, and dashboards that are closed after each test, also when
 * it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type Dashboard,
  type DashboardOptions,
  startDashboard,
} from '../../src/dashboard/index.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium quiet and offline, without the sandbox (which refuses to run as root). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long a page may take to show something (generous: the machine is small and shared). */
export const PAGE_TIMEOUT_MS = 30_000;

let context: BrowserContext | undefined;
let profile: string | undefined;
const dashboards: Dashboard[] = [];
const pages: Page[] = [];

beforeAll(async () => {
  profile = mkdtempSync(join(tmpdir(), 'rushnet-chromium-'));
  // A persistent context is how playwright takes a user data dir of our choosing.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(PAGE_TIMEOUT_MS);
});

afterEach(async () => {
  await Promise.all(pages.splice(0).map((p) => p.close().catch(() => {})));
  await Promise.all(dashboards.splice(0).map((d) => d.close()));
});

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

export async function newPage(): Promise<Page> {
  if (!context) throw new Error('the browser did not start');
  const page = await context.newPage();
  pages.push(page);
  return page;
}

/** A dashboard that is closed after the test. */
export async function dashboardFor(options: DashboardOptions): Promise<Dashboard> {
  const dashboard = await startDashboard(options);
  dashboards.push(dashboard);
  return dashboard;
}

/** The text of an element, trimmed ('' when it is not there). */
export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? '').trim();
}
