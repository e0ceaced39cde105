import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RushWorker } from '../../src/index.js';
import {
  killAndWait,
  manager,
  newNetworkId,
  scanNetworkKeys,
  waitUntil,
} from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PASSWORD = "s3cr3t-pa'ss";
let server: RedisServer;
let bin: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startRedisServer(['--requirepass', PASSWORD]);
  // A `rushnet` on PATH, as an installed package would provide.
  bin = mkdtempSync(join(tmpdir(), 'rushnet-bin-'));
  writeFileSync(
    join(bin, 'rushnet'),
    `#!/bin/sh\nexec "${process.execPath}" --import tsx "${root}src/cli/main.ts" "$@"\n`,
  );
  chmodSync(join(bin, 'rushnet'), 0o755);
});

afterAll(async () => {
  await Promise.all(children.map(killAndWait));
  await server?.stop();
  rmSync(bin, { recursive: true, force: true });
});

/**
 * Runs a worker script as a job script would be run: the shell reads it (here from standard
 * input), so the environment part of the command is in no process's arguments.
 */
function runScript(script: string): ChildProcess {
  const child = spawn('sh', ['-s'], {
    cwd: root,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, REDIS_URL: '' },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin!.end(`${script}\n`);
  children.push(child);
  return child;
}

describe('workerScript', () => {
  it('gives a shell command that starts a working worker; the password is in it but in no log', async () => {
    const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`;
    const rush = await manager(newNetworkId(), url);
    const logs = mkdtempSync(join(tmpdir(), 'rushnet-script-logs-'));
    const info = vi.spyOn(rush.logger, 'info');
    const script = await rush.workerScript(
      async (rush: RushWorker, offset: number) => {
        rush.logger.info('script worker ready');
        while (!rush.terminated) {
          const task = await rush.popTask({ timeout: 0.2 });
          if (task) await rush.finishTasks([task.key], [{ y: (task.xs.x as number) + offset }]);
        }
      },
      { args: [100], heartbeatPeriod: 1, messageLog: logs, outputLog: logs },
    );
    // The connection and the signing key are in the environment part of the command, not
    // among the arguments.
    expect(script).toMatch(
      /^REDIS_URL='[^ ]+' RUSHNET_SECRET='[^' ]+' rushnet worker --network '[^']+' --config '/,
    );
    const secret = /RUSHNET_SECRET='([^']+)'/.exec(script)![1]!;
    // The password is there, its quote escaped for the shell.
    expect(script).toContain("s3cr3t-pa'\\''ss");
    const logged = JSON.stringify(info.mock.calls);
    expect(logged).toContain('<redacted>');
    expect(logged).not.toContain('s3cr3t');
    expect(logged).not.toContain(secret);
    info.mockRestore();

    const child = runScript(script);
    await rush.waitForWorkers({ n: 1, timeout: 60 });
    // Neither the shell nor the worker's node process shows the password or the key in its
    // command line.
    const [registered] = await rush.workerInfo();
    for (const pid of new Set([child.pid!, registered!.pid])) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      expect(cmdline).not.toContain('s3cr3t');
      expect(cmdline).not.toContain(secret);
    }
    const [key] = await rush.pushTasks([{ x: 1 }]);
    await rush.waitForTasks([key!], { timeout: 30 });
    expect((await rush.fetchFinishedTasks())[0]).toMatchObject({ x: 1, y: 101 });

    // Kill reaches the worker through its heartbeat: nothing else knows its process.
    const [id] = await rush.workerIds();
    expect(await rush.stopWorkers({ type: 'kill' })).toEqual([id]);
    await waitUntil(() => child.exitCode !== null || child.signalCode !== null, {
      timeoutMs: 10_000,
      what: 'the worker to be killed',
    });

    const records = await rush.readLog();
    expect(records.map((r) => r.msg)).toContain('script worker ready');
    const everything =
      JSON.stringify(records) + readFileSync(join(logs, `message_${id}.log`), 'utf8');
    expect(everything).not.toContain('s3cr3t');
    expect(everything).not.toContain(secret);
    rmSync(logs, { recursive: true, force: true });
  });

  it('reset() ends a script worker (through its heartbeat) and leaves no key behind', async () => {
    const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`;
    const id = newNetworkId();
    const rush = await manager(id, url);
    const script = await rush.workerScript(
      async (rush: RushWorker) => {
        rush.logger.info('working');
        await rush.processTasks(async (task) => ({ y: task.xs.x }), { timeout: 0.2 });
      },
      { heartbeatPeriod: 1 },
    );
    const child = runScript(script);
    await rush.waitForWorkers({ n: 1, timeout: 60 });
    const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    await rush.waitForTasks(keys, { timeout: 30 });
    await rush.reset();
    await waitUntil(() => child.exitCode !== null || child.signalCode !== null, {
      timeoutMs: 10_000,
      what: 'the script worker to end',
    });
    const raw = new Redis(url);
    try {
      expect(await scanNetworkKeys(raw, id)).toEqual([]);
    } finally {
      raw.disconnect();
    }
  });

  it('rushnet worker --count runs that many workers in one process, which all take tasks and stop', async () => {
    const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`;
    const rush = await manager(newNetworkId(), url);
    const script = await rush.workerScript(
      async (rush: RushWorker) => {
        await rush.processTasks(
          async (task) => {
            // Long enough that one worker alone cannot take every task.
            await new Promise((r) => setTimeout(r, 50));
            return { y: task.xs.x, pid: process.pid };
          },
          { timeout: 0.2 },
        );
      },
      { heartbeatPeriod: 1 },
    );
    const child = runScript(`${script} --count 3`);
    await rush.waitForWorkers({ n: 3, timeout: 60 });
    const workers = await rush.workerInfo();
    expect(workers).toHaveLength(3);
    expect(new Set(workers.map((w) => w.pid)).size).toBe(1); // one process
    const keys = await rush.pushTasks(Array.from({ length: 30 }, (_, x) => ({ x })));
    await rush.waitForTasks(keys, { timeout: 60 });
    const rows = await rush.fetchFinishedTasks();
    expect(rows.map((r) => r.y).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 30 }, (_, x) => x),
    );
    expect(new Set(rows.map((r) => r.worker_id)).size).toBe(3);
    expect(await rush.stopWorkers({ type: 'terminate' })).toHaveLength(3);
    const code = await new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.on('exit', resolve);
    });
    expect(code).toBe(0);
    await waitUntil(async () => (await rush.runningWorkerIds()).length === 0, {
      timeoutMs: 10_000,
      what: 'the workers to unregister',
    });
  });

  it('a worker for a network without configuration fails with a message naming the network', async () => {
    const network = newNetworkId();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--network', network],
      {
        cwd: root,
        env: {
          ...process.env,
          REDIS_URL: `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:${server.port}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr.trim()).toBe(
      `rushnet: no worker configuration for network '${network}': start workers with startWorkers(), startLocalWorkers() or the command from workerScript(), which store it`,
    );
  });
});
