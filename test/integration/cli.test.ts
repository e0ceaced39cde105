import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import {
  manager,
  newNetworkId,
  pidAlive,
  redisUrl,
  waitUntil,
  worker,
} from '../helpers/network.js';
import { freePort } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `rushnet` binary. */
function rushnet(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, REDIS_URL: redisUrl(), ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

beforeAll(() => {
  if (!existsSync(bin))
    throw new Error('the CLI is not built: run `npm run build` (npm test does it for you)');
});

describe('bad arguments: one line, exit code 2, no password echoed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rushnet-bad-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string[], RegExp][] = [
    ['--url: a bad % escape', ['status', '--url', 'redis://:hunter2%zz@127.0.0.1:1'], /%-escape/],
    ['--url: not a URL', ['status', '--url', 'not a url'], /`--url`/],
    ['--url: another scheme', ['logs', '--network', 'n', '--url', 'http://h:1'], /`--url`/],
    ['--url: a bad database', ['status', '--url', 'redis://:hunter2@127.0.0.1:1/x'], /database/],
    ['--url: a bad port', ['stop', '--network', 'n', '--url', 'redis://h:99999'], /`--url`/],
    ['--network: braces', ['status', '--network', 'a{b}'], /--network/],
    ['--network: a control character', ['logs', '--network', 'a\tb'], /--network/],
    ['--network: empty', ['reset', '--network', '', '--yes'], /--network/],
    ['--network of export', ['export', '--network', '{'], /--network/],
    ['--network of stop', ['stop', '--network', 'x\u200by'], /--network/],
    ['--network of worker', ['worker', '--network', '}'], /--network/],
    ['--worker-id', ['worker', '--network', 'n', '--worker-id', 'a:b'], /--worker-id/],
    ['--worker', ['logs', '--network', 'n', '--worker', 'a b'], /--worker/],
    [
      '--message-log: missing',
      ['worker', '--network', 'n', '--message-log', '/no/such/dir'],
      /\/no\/such\/dir/,
    ],
    [
      '--output-log: a file',
      ['worker', '--network', 'n', '--output-log', '/etc/hostname'],
      /not a directory/,
    ],
    [
      '--heartbeat-period: 1e20',
      ['worker', '--network', 'n', '--heartbeat-period', '1e20'],
      /2147483647/,
    ],
    [
      '--heartbeat-expire: 2^31',
      ['worker', '--network', 'n', '--heartbeat-expire', '2147483648'],
      /2147483647/,
    ],
    [
      '--heartbeat-period: 1.5',
      ['worker', '--network', 'n', '--heartbeat-period', '1.5'],
      /whole number/,
    ],
    ['--tls-ca: missing', ['status', '--tls-ca', '/no/such/ca.pem'], /\/no\/such\/ca.pem/],
    ['--tls-cert without --tls-key', ['status', '--tls-cert', '/etc/hostname'], /go together/],
    ['--type', ['stop', '--network', 'n', '--type', 'nuke'], /--type/],
    ['--level', ['logs', '--network', 'n', '--level', 'loud'], /--level/],
    ['--state', ['export', '--network', 'n', '--state', 'done'], /--state/],
    ['--format', ['export', '--network', 'n', '--format', 'xml'], /--format/],
    [
      '--out: no such directory',
      ['export', '--network', 'n', '--out', '/no/such/dir/t.csv'],
      /Cannot write \/no\/such\/dir\/t.csv: its directory \/no\/such\/dir does not exist/,
    ],
  ];

  it.each(cases)('%s', async (_, args, message) => {
    const { code, stdout, stderr } = await rushnet(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain('hunter2');
  });

  it('--out naming a directory', async () => {
    const { code, stderr } = await rushnet(['export', '--network', 'n', '--out', dir]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `error: option '--out <file>' argument '${dir}' is invalid. Cannot write ${dir}: it is a directory`,
    );
  });
});

describe('rushnet command line', () => {
  it.each(['worker', 'status', 'logs', 'stop', 'reset', 'export', 'demo', 'dashboard', 'redis'])(
    '`%s --help` exits 0',
    async (command) => {
      const { code, stdout } = await rushnet([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: rushnet ${command}`);
    },
  );

  it('an unknown flag exits 2 with a one-line message', async () => {
    const { code, stderr } = await rushnet(['status', '--bogus']);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual(["error: unknown option '--bogus'"]);
    const missing = await rushnet(['logs']);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unreachable Redis gives one line and a non-zero exit; --url wins over REDIS_URL', async () => {
    const port = await freePort();
    const viaEnv = await rushnet(['status'], { REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` });
    expect(viaEnv.code).toBe(1);
    expect(viaEnv.stderr).toBe(
      `rushnet: cannot reach Redis at redis://:<redacted>@127.0.0.1:${port}: connection refused (is redis-server running?)\n`,
    );
    const viaUrl = await rushnet(['status', '--url', redisUrl()], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(viaUrl.code).toBe(0);
  });

  it('status shows a network with its counts, and lists the networks on the server', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, { workerId: 'cli-worker-1' });
    await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    await w.pushFinishedTasks([{ x: 3 }], [{ y: 1 }]);
    await rush.pushFailedTasks([{ x: 4 }]);
    const { code, stdout } = await rushnet(['status', '--network', id]);
    expect(code).toBe(0);
    expect(stdout).toContain(`network ${id}`);
    expect(stdout).toContain('tasks: 2 queued, 0 running, 1 finished, 1 failed (4 total)');
    expect(stdout).toContain('workers: 1 running, 0 terminated');
    expect(stdout).toMatch(new RegExp(`cli-worker-1\\s+\\S+\\s+${process.pid}\\s+running\\s+no`));
    const all = await rushnet(['status']);
    expect(all.stdout).toMatch(new RegExp(`${id}\\s+1\\s+2\\s+0\\s+1\\s+1`));
  });

  it("logs prints a worker's records, filtered by level", async () => {
    const id = newNetworkId();
    await manager(id);
    const w = await worker(id, { workerId: 'logger-1', logThresholds: { rushnet: 'debug' } });
    w.logger.debug('a detail');
    w.logger.warn('a warning');
    await w.setTerminated();
    const all = await rushnet(['logs', '--network', id]);
    expect(all.stdout).toMatch(
      /DEBUG \[logger-1\] rushnet: a detail\n.*WARN {2}\[logger-1\] rushnet: a warning\n$/,
    );
    const warnings = await rushnet([
      'logs',
      '--network',
      id,
      '--worker',
      'logger-1',
      '--level',
      'warn',
    ]);
    expect(warnings.stdout).not.toContain('a detail');
    expect(warnings.stdout).toContain('a warning');
  });

  it('stop --type terminate ends a worker', async () => {
    const rush = await manager();
    const [id] = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        while (!rush.terminated) await new Promise((r) => setTimeout(r, 20));
      },
      { nWorkers: 1 },
    );
    await rush.waitForWorkers({ workerIds: [id!], timeout: 30 });
    const { code, stdout } = await rushnet([
      'stop',
      '--network',
      rush.networkId,
      '--type',
      'terminate',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain(`asked to terminate: 1 worker(s)\n  ${id}`);
    const child = rush.processes.get(id!)!;
    await waitUntil(() => child.exitCode !== null, {
      timeoutMs: 15_000,
      what: 'the worker to end',
    });
    expect(child.exitCode).toBe(0);
    expect(await rush.terminatedWorkerIds()).toEqual([id]);
  });

  it('reset --yes empties the network; without --yes off a terminal it refuses', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }]);
    const refused = await rushnet(['reset', '--network', rush.networkId]);
    expect(refused.code).toBe(2);
    expect(await rush.nTasks()).toBe(1);
    const { code, stdout } = await rushnet(['reset', '--network', rush.networkId, '--yes']);
    expect(code).toBe(0);
    expect(stdout).toContain(`removed network ${rush.networkId}`);
    expect(await rush.nTasks()).toBe(0);
  });

  it('export --format csv writes a header and one row per task', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, { workerId: 'exporter' });
    await rush.pushTasks([{ x: 1, label: 'a, "quoted"' }]);
    await w.pushFinishedTasks([{ x: 2, label: 'b' }], [{ y: 4 }]);
    await rush.pushFailedTasks([{ x: 3 }], { conditions: [{ message: 'no' }] });
    const dir = mkdtempSync(join(tmpdir(), 'rushnet-export-'));
    try {
      const file = join(dir, 'tasks.csv');
      const { code } = await rushnet(['export', '--network', id, '--format', 'csv', '--out', file]);
      expect(code).toBe(0);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines[0]).toBe(
        'key,state,worker_id,x,label,y,created_at,started_at,finished_at,condition',
      );
      expect(lines).toHaveLength(4);
      expect(
        lines
          .slice(1)
          .map((l) => l.split(',')[1])
          .sort(),
      ).toEqual(['failed', 'finished', 'queued']);
      expect(lines.find((l) => l.includes(',finished,'))).toMatch(
        /,finished,exporter,2,b,4,\d+,\d+,\d+,$/,
      );
      expect(lines.find((l) => l.includes(',queued,'))).toMatch(
        /,queued,,1,"a, ""quoted""",,\d+,,,$/,
      );
      const json = await rushnet(['export', '--network', id, '--state', 'finished']);
      expect(JSON.parse(json.stdout)).toEqual([
        {
          key: expect.any(String),
          state: 'finished',
          worker_id: 'exporter',
          x: 2,
          label: 'b',
          y: 4,
          created_at: expect.any(Number),
          started_at: expect.any(Number),
          finished_at: expect.any(Number),
        },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('export --format csv neutralizes cells a spreadsheet would run as formulas', async () => {
    const rush = await manager();
    const labels = ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx', 'plain'];
    await rush.pushTasks(labels.map((label, i) => ({ i, label, n: -5 })));
    const dir = mkdtempSync(join(tmpdir(), 'rushnet-export-'));
    try {
      const file = join(dir, 'tasks.csv');
      const { code } = await rushnet([
        'export',
        '--network',
        rush.networkId,
        '--format',
        'csv',
        '--out',
        file,
      ]);
      expect(code).toBe(0);
      const text = readFileSync(file, 'utf8');
      const cells = text
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(',').slice(3));
      expect(cells.map(([, label]) => label)).toEqual([
        `"'=HYPERLINK(""http://x"")"`,
        "'+1+1",
        "'-2+3",
        "'@SUM(A1)",
        // Control characters are made visible after the neutralization.
        "'\\tx",
        "'\\rx",
        'plain',
      ]);
      // Numbers stay numbers.
      expect(new Set(cells.map((row) => row[2]))).toEqual(new Set(['-5']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('demo with a small budget finishes, prints a best value, and leaves no process behind', async () => {
    const { code, stdout } = await rushnet([
      'demo',
      '--embedded',
      '--tasks',
      '60',
      '--workers',
      '2',
      '--eval-ms',
      '5',
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/rushnet demo: finished in \d+\.\d s/);
    expect(stdout).toMatch(
      /best: y = \d+\.\d{6} at x1 = -?\d+\.\d{5}, x2 = \d+\.\d{5} \(known minimum 0\.397887\)/,
    );
    const redisPid = Number(/private redis-server \(pid (\d+)\)/.exec(stdout)?.[1]);
    const workerPids = [...stdout.matchAll(/\(pid (\d+)\): \d+/g)].map((m) => Number(m[1]));
    expect(redisPid).toBeGreaterThan(0);
    expect(workerPids).toHaveLength(2);
    for (const pid of [redisPid, ...workerPids]) expect(pidAlive(pid)).toBe(false);
    const results = /results: (\S+)/.exec(stdout)?.[1];
    expect(readFileSync(results!, 'utf8').split('\n')[0]).toBe('key,state,worker_id,x1,x2,y');
    rmSync(results!);
  });

  it('demo without redis-server on PATH fails with the install instruction', async () => {
    // A PATH with node but without redis-server.
    const dir = mkdtempSync(join(tmpdir(), 'rushnet-path-'));
    try {
      symlinkSync(process.execPath, join(dir, 'node'));
      const { code, stderr } = await rushnet(['demo', '--embedded'], { PATH: dir });
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /^rushnet: redis-server is not installed: install it with `sudo apt-get install redis-server`.*brew install redis/,
      );
      expect(stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(dirname(bin)).toContain('dist');
  });
});
