/**
 * `rushnet dashboard` on the command line (run from the sources): it prints its address and
 * serves it until stopped, refuses bad arguments with exit code 2, and never prints a password.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { manager, redisUrl, waitUntil } from '../helpers/network.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const args = (rest: string[]) => ['--import', 'tsx', main, ...rest];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
});

/** Runs the command to its end. */
function run(rest: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      args(['dashboard', ...rest]),
      { cwd: root, env: { ...process.env, REDIS_URL: redisUrl() }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    children.push(child);
  });
}

/** Starts a command and waits for the address it prints (in a line `address`). */
async function serve(
  rest: string[],
  address = /^ {2}(http:\/\/\S+)$/m,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, args(rest), {
    cwd: root,
    env: { ...process.env, REDIS_URL: redisUrl() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const url = await waitUntil(() => address.exec(out)?.[1], {
    timeoutMs: 60_000,
    what: `the address in: ${out}`,
  });
  return { child, url, output: () => out };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('rushnet dashboard', () => {
  it('prints its address, serves the page and stops on SIGTERM', async () => {
    const rush = await manager();
    const { child, url, output } = await serve([
      'dashboard',
      '--network',
      rush.networkId,
      '--ys',
      'y',
    ]);
    // A token also on 127.0.0.1, in the printed address (the way Jupyter prints its own).
    expect(url).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:\\d+/network/${rush.networkId}\\?token=[\\w-]{20,}$`),
    );
    expect(output()).toContain(`network ${rush.networkId} on redis://127.0.0.1:`);
    const token = new URL(url).searchParams.get('token')!;
    expect((await fetch(url.replace(/\?token=.*/, ''))).status).toBe(401);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>rushnet dashboard</title>');
    const state = await fetch(`${new URL(url).origin}/api/network/${rush.networkId}/state`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(await state.json()).toMatchObject({ defaults: { ys: 'y', direction: 'min' } });
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('on a non-loopback address prints a generated token in the address', async () => {
    const { url } = await serve(['dashboard', '--host', '0.0.0.0', '--maximize']);
    expect(url).toMatch(/\/\?token=[\w-]{20,}$/);
  });

  it('--no-token serves 127.0.0.1 without a token, and is a usage error elsewhere', async () => {
    const rush = await manager();
    const { url } = await serve(['dashboard', '--network', rush.networkId, '--no-token']);
    expect(url).not.toContain('token');
    expect((await fetch(`${new URL(url).origin}/api/network/${rush.networkId}/state`)).status).toBe(
      200,
    );
    const { code, stderr } = await run(['--no-token', '--host', '0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--no-token works only with --host 127\.0\.0\.1/);
  });

  it.each([
    [['--port', 'http']],
    [['--port', '70000']],
    [['--direction', 'sideways']],
    [['--token', 'short']],
    [['--interval', '0']],
    [['--url', 'not a url']],
  ])('bad arguments %j exit 2 with one line', async (rest) => {
    const { code, stderr } = await run(rest);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('an unreachable Redis is one line without the password', async () => {
    const { code, stderr } = await run(['--url', 'redis://someone:hunter2@127.0.0.1:1']);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toContain('hunter2');
  });

  it('demo --dashboard serves the run, then keeps it until Ctrl-C', async () => {
    const { child, url, output } = await serve(
      ['demo', '--dashboard', '--tasks', '20', '--workers', '1', '--eval-ms', '0'],
      /dashboard at (http:\/\/\S+)/,
    );
    await waitUntil(() => output().includes('the dashboard stays at'), {
      timeoutMs: 60_000,
      what: `the end of the run in: ${output()}`,
    });
    const { origin, pathname, search } = new URL(url);
    // The dashboard shows what its last poll read: it catches up with the end of the run.
    const state = await fetch(`${origin}/api${pathname}/state${search}`);
    const { counts } = (await state.json()) as { counts: { finished: number; failed: number } };
    // 20 evaluations (one more at most, for the one worker): the demo's objective fails in a
    // corner of the space on purpose, so some may be failed.
    expect(counts.finished + counts.failed).toBeGreaterThanOrEqual(20);
    expect(counts.finished + counts.failed).toBeLessThanOrEqual(21);
    expect(counts.finished).toBeGreaterThan(0);
    const exited = exitCode(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
