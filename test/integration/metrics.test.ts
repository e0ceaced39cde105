/**
 * Prometheus metrics: the exposition text passes promtool's lint, /metrics on the dashboard
 * follows the token rules (Bearer works) and reports a network's counts from Redis (so they
 * are right for a fresh exporter), `rushnet metrics` serves them with the same rules, and the
 * Grafana dashboard in docs/ names only metrics that are exported.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Durations } from '../../src/dashboard/durations.js';
import { METRICS, renderMetrics } from '../../src/dashboard/metrics.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/server.js';
import { killAndWait, manager, redisUrl, waitUntil } from '../helpers/network.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const open: Dashboard[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
  await Promise.all(children.splice(0).map(killAndWait));
});

/** promtool's lint of an exposition text: its exit code and what it said. */
function promtool(text: string): { code: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The samples of an exposition text: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('metrics', () => {
  it('the exposition text passes promtool, also with odd network ids and durations', () => {
    const durations = new Durations();
    durations.add({ started_at: 1000, finished_at: 1250 });
    durations.add({ started_at: 1000, finished_at: 4000 });
    durations.add({}); // a task without timestamps is left out
    const counts = {
      runningWorkers: 2,
      terminatedWorkers: 1,
      queued: 3,
      running: 2,
      finished: 2,
      failed: 1,
    };
    const text = renderMetrics([
      { network: 'a "quoted" \\ net\nwork', counts, lost: 1, durations, retries: 4 },
      { network: 'plain', counts },
    ]);
    expect(promtool(text)).toEqual({ code: 0, output: '' });
    const s = samples(text);
    expect(s.get('rushnet_tasks{network="plain",state="queued"}')).toBe(3);
    expect(
      s.get('rushnet_task_duration_seconds_count{network="a \\"quoted\\" \\\\ net\\nwork"}'),
    ).toBe(2);
    expect(
      s.get(
        'rushnet_task_duration_seconds_bucket{network="a \\"quoted\\" \\\\ net\\nwork",le="0.25"}',
      ),
    ).toBe(1);
    expect(durations.untimed).toBe(1);
  });

  it('/metrics on the dashboard takes a Bearer token and reports the counts in Redis', async () => {
    const rush = await manager();
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }]);
    await rush.pushFinishedTasks([{ x: 5 }], [{ y: 25 }]);
    await rush.pushFailedTasks([{ x: 6 }]);
    expect(keys).toHaveLength(4);
    const d = await startDashboard({ config: redisUrl(), network: rush.networkId });
    open.push(d);
    expect((await fetch(`${d.origin}/metrics`)).status).toBe(401);
    const res = await fetch(`${d.origin}/metrics`, {
      headers: { Authorization: `Bearer ${d.token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(promtool(text).code).toBe(0);
    const s = samples(text);
    const net = `network="${rush.networkId}"`;
    expect(s.get(`rushnet_tasks{${net},state="queued"}`)).toBe(4);
    expect(s.get(`rushnet_tasks{${net},state="finished"}`)).toBe(1);
    expect(s.get(`rushnet_tasks_finished_total{${net}}`)).toBe(1);
    expect(s.get(`rushnet_tasks_failed_total{${net}}`)).toBe(1);
    expect(s.get(`rushnet_workers{${net},state="running"}`)).toBe(0);
    expect(s.get(`rushnet_workers_lost{${net}}`)).toBe(0);
    // ?token= works too (Prometheus's `params`), and an unknown network is 404.
    const other = await fetch(
      `${d.origin}/metrics?network=nowhere-${rush.networkId}&token=${d.token}`,
    );
    expect(other.status).toBe(404);
  });

  it('rushnet metrics serves /metrics with the same token rules', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    const child = spawn(process.execPath, [bin, 'metrics', '--network', rush.networkId], {
      env: { ...process.env, REDIS_URL: redisUrl() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const url = await waitUntil(() => /^ {2}(http:\/\/\S+)$/m.exec(out)?.[1], {
      timeoutMs: 20_000,
      what: `the address in ${out}`,
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics\?token=[\w-]{20,}$/);
    const { origin, searchParams } = new URL(url);
    expect((await fetch(`${origin}/metrics`)).status).toBe(401);
    // Nothing else is served, and the gate comes first.
    expect((await fetch(`${origin}/`)).status).toBe(401);
    const bearer = { Authorization: `Bearer ${searchParams.get('token')}` };
    expect(
      (await fetch(`${origin}/api/network/${rush.networkId}/state`, { headers: bearer })).status,
    ).toBe(404);
    const text = await (
      await fetch(`${origin}/metrics`, {
        headers: { Authorization: `Bearer ${searchParams.get('token')}` },
      })
    ).text();
    expect(samples(text).get(`rushnet_tasks{network="${rush.networkId}",state="queued"}`)).toBe(2);
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [bin, 'metrics', '--network', rush.networkId, '--no-token', '--host', '0.0.0.0'],
        { env: { ...process.env, REDIS_URL: redisUrl() } },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
      );
    });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--no-token works only with --host 127\.0\.0\.1/);
  });

  it('docs/grafana-dashboard.json parses and names only exported metrics', () => {
    const json = JSON.parse(readFileSync(join(root, 'docs/grafana-dashboard.json'), 'utf8'));
    const exprs: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object')
        for (const [k, v] of Object.entries(node)) {
          if (k === 'expr' && typeof v === 'string') exprs.push(v);
          else walk(v);
        }
    };
    walk(json);
    expect(exprs.length).toBeGreaterThan(3);
    const exported = new Set<string>();
    for (const [name, [type]] of Object.entries(METRICS)) {
      exported.add(name);
      if (type === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) exported.add(name + s);
    }
    const named = new Set(exprs.flatMap((e) => e.match(/\brushnet_\w+/g) ?? []));
    expect(named.size).toBeGreaterThan(3);
    for (const name of named) expect(exported, name).toContain(name);
  });
});
