/**
 * `rushnet worker` speaks on stderr: when it has connected (network, worker id, host, Redis
 * address without the password), when it stops and why, and every time `--insecure` skips the
 * signature check. And `rushnet redis`: a private server that Ctrl-C stops, leaving nothing.
 */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rush, type RushWorker } from '../../src/index.js';
import { requireBuild, startRushnet } from '../helpers/cli.js';
import { manager, newNetworkId, pidAlive, redisUrl, waitUntil } from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const SECRET = 'test-cli-worker-key-0123456789abcdef';
const PASSWORD = 'hunter2-cli-worker';
let locked: RedisServer;

beforeAll(async () => {
  requireBuild();
  locked = await startRedisServer(['--requirepass', PASSWORD]);
});
afterAll(async () => {
  await locked?.stop();
});

/** A network whose stored configuration runs `loop`; resolves to the worker's flags. */
async function network(
  loop: (rush: RushWorker) => unknown,
  config = redisUrl(),
): Promise<{ id: string; args: string[] }> {
  const id = newNetworkId();
  await manager(id, config); // the leak guard resets it
  const rush = await new Rush({ networkId: id, config, secret: SECRET }).connect();
  try {
    const script = await rush.workerScript(loop);
    const configId = /--config '([^']+)'/.exec(script)![1]!;
    return { id, args: ['worker', '--network', id, '--config', configId] };
  } finally {
    await rush.close();
  }
}

describe('rushnet worker on stderr', () => {
  it('says when it has connected (no password) and that the loop returned', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${locked.port}`;
    const { id, args } = await network(async () => {}, url);
    const run = startRushnet([...args, '--worker-id', 'speaker-1'], {
      REDIS_URL: url,
      RUSHNET_SECRET: SECRET,
    });
    const { code } = await run.exit;
    expect(code).toBe(0);
    const lines = run.stderr().trim().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^rushnet worker: connected: network ${id}, worker speaker-1, host \\S+, pid \\d+, ` +
          `redis redis://:<redacted>@127\\.0\\.0\\.1:${locked.port}$`,
      ),
    );
    expect(lines.at(-1)).toBe('rushnet worker: stopped: worker speaker-1, the loop returned');
    expect(run.stderr()).not.toContain(PASSWORD);
  });

  it('says why it stopped: a terminate request, an error, a kill request, a signal', async () => {
    const waiting = await network(async (rush) => {
      while (!rush.terminated) await new Promise((r) => setTimeout(r, 20));
    });
    const env = { RUSHNET_SECRET: SECRET };
    const terminated = startRushnet([...waiting.args, '--worker-id', 'term-1'], env);
    const killed = startRushnet(
      [...waiting.args, '--worker-id', 'kill-1', '--heartbeat-period', '1'],
      env,
    );
    const signalled = startRushnet([...waiting.args, '--worker-id', 'sig-1'], env);
    await waitUntil(
      () => [terminated, killed, signalled].every((r) => r.stderr().includes('connected')),
      { timeoutMs: 30_000, what: 'three workers to connect' },
    );
    const rush = await manager(waiting.id);
    await rush.stopWorkers({ type: 'terminate', workerIds: ['term-1'] });
    await rush.stopWorkers({ type: 'kill', workerIds: ['kill-1'] });
    signalled.child.kill('SIGTERM');
    expect((await terminated.exit).code).toBe(0);
    expect(terminated.stderr()).toContain('stopped: worker term-1, terminated on request');
    expect((await killed.exit).signal).toBe('SIGKILL');
    expect(killed.stderr()).toContain('stopped: worker kill-1, killed (a kill request');
    expect((await signalled.exit).signal).toBe('SIGTERM');
    expect(signalled.stderr()).toContain('stopped: worker sig-1, killed by SIGTERM');

    const failing = await network(async () => {
      throw new Error('the loop broke \x1b[2J');
    });
    const failed = startRushnet([...failing.args, '--worker-id', 'err-1'], env);
    expect((await failed.exit).code).toBe(1);
    expect(failed.stderr()).toContain(
      'stopped: worker err-1, the loop failed: the loop broke \\x1b[2J',
    );
  });

  it('--insecure says every time that signatures are not checked', async () => {
    const { args } = await network(async () => {});
    for (let i = 0; i < 2; i++) {
      const run = startRushnet([...args, '--insecure'], { RUSHNET_SECRET: '' });
      expect((await run.exit).code).toBe(0);
      expect(run.stderr()).toMatch(
        /^rushnet worker: WARNING: --insecure: the signature of the worker configuration .* is not checked/,
      );
    }
    // Without it and without the key: refused, with how to pass the key.
    const refused = startRushnet(args, { RUSHNET_SECRET: '' });
    expect((await refused.exit).code).toBe(1);
    expect(refused.stderr()).toMatch(/set RUSHNET_SECRET .* `secret` option/);
    expect(refused.stderr()).toMatch(/--insecure.*unsafe/);
  });
});

describe('rushnet redis', () => {
  it('starts a private server, prints its URL, and stops it on SIGINT leaving nothing', async () => {
    const run = startRushnet(['redis']);
    const url = await waitUntil(() => /^redis:\/\/127\.0\.0\.1:\d+\n/.exec(run.stdout())?.[0], {
      timeoutMs: 20_000,
      what: 'the URL',
    });
    const pid = Number(/pid (\d+)/.exec(run.stderr())?.[1]);
    const dir = /in (\S+);/.exec(run.stderr())?.[1];
    expect(pid).toBeGreaterThan(0);
    expect(existsSync(dir!)).toBe(true);
    const client = new Redis(url.trim());
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    run.child.kill('SIGINT');
    expect((await run.exit).code).toBe(0);
    expect(pidAlive(pid)).toBe(false);
    expect(existsSync(dir!)).toBe(false);
  });

  it('exits non-zero when its server dies', async () => {
    const run = startRushnet(['redis']);
    await waitUntil(() => /pid (\d+)/.exec(run.stderr()), { what: 'the server' });
    const pid = Number(/pid (\d+)/.exec(run.stderr())![1]);
    process.kill(pid, 'SIGKILL'); // the server this test's command started
    expect((await run.exit).code).toBe(1);
    expect(run.stderr()).toContain(`redis-server (pid ${pid}) exited unexpectedly`);
  });
});
