/**
 * Connecting: an unreachable Redis (a RushConfigError, quickly, without the password), plans
 * that supply the config, the default network id, the summaries, a process that can exit after
 * close(), and a manager used before it connected.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Rush,
  RushConfigError,
  removeRushPlan,
  rsh,
  rushAvailable,
  rushConfig,
  rushPlan,
} from '../../src/index.js';
import { manager, newNetworkId, redisUrl } from '../helpers/network.js';
import { freePort } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('connecting', () => {
  afterEach(() => {
    removeRushPlan();
  });

  it('an unreachable Redis is a RushConfigError, quickly and without the password', async () => {
    const port = await freePort();
    const error = await rsh({ config: `redis://user:hunter2@127.0.0.1:${port}` }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RushConfigError);
    expect((error as Error).message).toMatch(
      /cannot reach Redis at redis:\/\/user:<redacted>@127\.0\.0\.1/,
    );
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('a plan supplies the config and is checked against Redis', async () => {
    expect(rushAvailable()).toBe(false);
    expect(rushConfig()).toEqual({});
    const plan = await rushPlan({ config: redisUrl(), nWorkers: 2 });
    expect(plan).toMatchObject({ config: redisUrl(), nWorkers: 2, workerType: 'local' });
    expect(rushAvailable()).toBe(true);
    const rush = await rsh();
    expect(rush.config).toMatchObject({ kind: 'standalone' });
    const address = rush.config as { host?: string; port?: number };
    expect(`${address.host}:${address.port}`).toBe(redisUrl().replace('redis://', ''));
    expect(await rush.nTasks()).toBe(0);
    await rush.close();
    expect(removeRushPlan()).toBe(true);
    expect(rushAvailable()).toBe(false);
    const port = await freePort();
    await expect(rushPlan({ config: `redis://127.0.0.1:${port}` })).rejects.toBeInstanceOf(
      RushConfigError,
    );
    await expect(rushPlan({ nWorkers: 0 })).rejects.toThrow(/`nWorkers`/);
    await expect(rushPlan({ logThresholds: { app: 'loud' } })).rejects.toThrow(
      /`logThresholds.app`/,
    );
  });

  it('networkId defaults to a fresh UUID and the password never prints', async () => {
    const a = new Rush({ config: { port: 1, password: 'hunter2' } });
    const b = new Rush({ config: { port: 1 } });
    expect(a.networkId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.networkId).not.toBe(b.networkId);
    expect(JSON.stringify(a.config)).not.toContain('hunter2');
    expect(a.toString()).toBe(`<Rush> network '${a.networkId}'`);
  });

  it('format() and print() summarize workers and task counts', async () => {
    const rush = await manager();
    await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    await rush.pushFinishedTasks([{ x: 3 }], [{ y: 1 }]);
    expect(await rush.format()).toBe(
      [
        `<Rush> network '${rush.networkId}'`,
        '* Running workers: 0',
        '* Queued tasks: 2',
        '* Running tasks: 0',
        '* Finished tasks: 1',
        '* Failed tasks: 0',
      ].join('\n'),
    );
  });

  it('a process can exit after close()', async () => {
    const script = `
      import { rsh, RushWorker } from './src/index.ts';
      const rush = await rsh({ config: process.env.URL });
      const w = await RushWorker.create({ networkId: rush.networkId, config: process.env.URL });
      await rush.pushTasks([{ x: 1 }]);
      await w.popTask({ timeout: 0.1 });
      await rush.fetchNewTasks({ timeout: 0.1 });
      await w.close();
      await rush.close();
      console.log('closed');
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        env: { ...process.env, URL: redisUrl() },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('closed');
    expect(code).toBe(0);
  });
});

describe('a manager that is not connected', () => {
  it('says so instead of failing obscurely', () => {
    const rush = new Rush({ networkId: newNetworkId(), config: redisUrl() });
    expect(() => rush.connector).toThrow(/not connected/);
  });
});
