/**
 * Signed worker configurations (SECURITY.md): a configuration changed in Redis is refused by a
 * worker that has the right key and nothing of it runs; `--insecure` runs it anyway; no secret
 * and no password shows in a worker's command line; stored configurations and the process table
 * stay bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Rush,
  RushInputError,
  type RushWorker,
  removeRushPlan,
  rushConfig,
  rushPlan,
} from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import {
  manager,
  newNetworkId,
  rawClient,
  redisUrl,
  tempDir,
  trackProcess,
  waitUntil,
} from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'test-signing-key-0123456789abcdef';

/** Runs `rushnet worker` from the sources; resolves to its exit code and stderr. */
function runWorker(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = trackProcess(
    spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args], {
      cwd: root,
      env: { ...process.env, RUSHNET_SECRET: '', RUSHNET_REDIS_CONFIG: '', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  );
  return { child, done };
}

/** A loop whose only effect is creating `file`: proof that it ran. */
function touchLoop(file: string): string {
  return `async () => { (await import('node:fs')).writeFileSync(${JSON.stringify(file)}, 'ran'); }`;
}

describe('signed worker configurations', () => {
  it('a configuration changed in Redis (one character) is refused, and nothing of it runs', async () => {
    const id = newNetworkId();
    const rush = await new Rush({ networkId: id, config: redisUrl(), secret: SECRET }).connect();
    const cleanup = await manager(id); // the leak guard resets the network
    expect(cleanup.networkId).toBe(id);
    const dir = tempDir();
    const good = join(dir, 'ran-A');
    const evil = join(dir, 'ran-B');
    // The loop is sent as source text: a function object made from it.
    const loop = new Function(`return (${touchLoop(good)});`)() as (r: RushWorker) => unknown;
    const script = await rush.workerScript(loop);
    const configId = /--config '([^']+)'/.exec(script)![1]!;
    const raw = rawClient();
    const key = new RushKeys(id).workerConfig;
    const stored = (await raw.hgetBuffer(key, configId))!;
    const at = stored.indexOf('ran-A');
    expect(at).toBeGreaterThan(0);
    const tampered = Buffer.from(stored);
    tampered[at + 4] = 'B'.charCodeAt(0); // same length, one character changed
    await raw.hset(key, configId, tampered);

    const env = { REDIS_URL: redisUrl() };
    const args = ['--network', id, '--config', configId];
    const refused = await runWorker(args, { ...env, RUSHNET_SECRET: SECRET }).done;
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(
      `rushnet: the worker configuration '${configId}' of network '${id}' is not signed with this key: ` +
        "refusing to run it. Was it changed in Redis? Is RUSHNET_SECRET in the worker's environment " +
        "the manager's secret (the `secret` option of rsh()/rushPlan(), or its RUSHNET_SECRET)? " +
        '(`rushnet worker --insecure` skips the check, which is unsafe: anyone who can write to ' +
        'this Redis could then run code on this machine.)',
    );
    expect(refused.stderr).not.toContain(SECRET);
    // Without a key, the worker refuses too, and says how to give one.
    const keyless = await runWorker(args, env).done;
    expect(keyless.code).not.toBe(0);
    expect(keyless.stderr).toMatch(
      /no key\. Give the worker the manager's key: set RUSHNET_SECRET/,
    );
    expect(existsSync(evil)).toBe(false);
    expect(existsSync(good)).toBe(false);

    // `--insecure` skips the check explicitly: then the changed loop runs.
    const insecure = await runWorker([...args, '--insecure'], env).done;
    expect(insecure.code).toBe(0);
    expect(existsSync(evil)).toBe(true);

    // The configuration as stored, with the right key, runs.
    await raw.hset(key, configId, stored);
    const ok = await runWorker(args, { ...env, RUSHNET_SECRET: SECRET }).done;
    expect(ok.code).toBe(0);
    expect(existsSync(good)).toBe(true);
    // A signature never lives without its configuration, and the secret is nowhere in Redis.
    const fields = await raw.hgetall(key);
    expect(JSON.stringify(fields)).not.toContain(SECRET);
    expect(Object.keys(fields).sort()).toEqual(
      [configId, `sig:${configId}`, 'latest', 'sig:latest'].sort(),
    );
    await rush.close();
  });

  it('a signature made for another network or configuration id does not verify', async () => {
    const [a, b] = [newNetworkId(), newNetworkId()];
    const ra = await new Rush({ networkId: a, config: redisUrl(), secret: SECRET }).connect();
    await manager(a);
    await manager(b);
    const dir = tempDir();
    const loop = new Function(`return (${touchLoop(join(dir, 'ran'))});`)() as (
      r: RushWorker,
    ) => unknown;
    const configId = /--config '([^']+)'/.exec(await ra.workerScript(loop))![1]!;
    const raw = rawClient();
    // Copy network a's signed configuration into network b, and into 'latest' of a... as is.
    const [bytes, sig] = await raw.hmgetBuffer(
      new RushKeys(a).workerConfig,
      configId,
      `sig:${configId}`,
    );
    await raw.hset(new RushKeys(b).workerConfig, configId, bytes!, `sig:${configId}`, sig!);
    await raw.hset(new RushKeys(a).workerConfig, 'other-id', bytes!, 'sig:other-id', sig!);
    const env = { REDIS_URL: redisUrl(), RUSHNET_SECRET: SECRET };
    const [copied, renamed] = await Promise.all([
      runWorker(['--network', b, '--config', configId], env).done,
      runWorker(['--network', a, '--config', 'other-id'], env).done,
    ]);
    expect(copied.code).not.toBe(0);
    expect(copied.stderr).toContain(`of network '${b}' is not signed with this key`);
    expect(renamed.code).not.toBe(0);
    expect(renamed.stderr).toContain("'other-id'");
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    await ra.close();
  });
});

describe('the key', () => {
  it("comes from the plan's secret, which printing the plan does not show", async () => {
    await rushPlan({ config: redisUrl(), secret: SECRET });
    try {
      expect(JSON.stringify(rushConfig())).not.toContain(SECRET);
      expect(inspect(rushConfig())).not.toContain(SECRET);
      const rush = await manager();
      const script = await rush.workerScript(async () => {});
      expect(script).toContain(`RUSHNET_SECRET='${SECRET}'`);
      expect(inspect(rush, { depth: 10 })).not.toContain(SECRET);
    } finally {
      removeRushPlan();
    }
  });

  it('a bad secret is refused without showing it', async () => {
    const error = await rushPlan({ config: redisUrl(), secret: 'line\nbreak' }).catch((e) => e);
    expect(error).toBeInstanceOf(RushInputError);
    expect(error.message).toBe(
      '`secret` must be a non-empty string of at most 4096 characters without control characters, got a string of length 10',
    );
  });
});

describe('no secret and no password on a command line', () => {
  const PASSWORD = 'pa55-w0rd-in-no-argv';
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer(['--requirepass', PASSWORD]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('local workers get the key and the connection in their environment only', async () => {
    const url = `redis://:${PASSWORD}@127.0.0.1:${server.port}`;
    const id = newNetworkId();
    const rush = await new Rush({ networkId: id, config: url, secret: SECRET }).connect();
    const guard = await manager(id, url); // the leak guard stops and resets through it
    try {
      const ids = await rush.startLocalWorkers(
        async (rush: RushWorker) => {
          while (!rush.terminated) await new Promise((r) => setTimeout(r, 20));
        },
        { nWorkers: 2 },
      );
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      for (const id of ids) {
        const pid = rush.processes.get(id)!.pid!;
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        expect(cmdline).toContain('worker');
        expect(cmdline).not.toContain(SECRET);
        expect(cmdline).not.toContain(PASSWORD);
        // ...where they are: the environment.
        expect(readFileSync(`/proc/${pid}/environ`, 'utf8')).toContain(`RUSHNET_SECRET=${SECRET}`);
      }
      await rush.stopWorkers({ type: 'kill' });
    } finally {
      await rush.close();
      expect(guard.networkId).toBe(id);
    }
  });
});

describe('bounded bookkeeping', () => {
  const loop = async (rush: RushWorker) => {
    while (!rush.terminated) await new Promise((r) => setTimeout(r, 20));
  };

  it('configurations of starts whose workers all registered are removed; the latest stays', async () => {
    const rush = await manager();
    const raw = rawClient();
    const key = new RushKeys(rush.networkId).workerConfig;
    for (let i = 0; i < 3; i++) {
      const ids = await rush.startLocalWorkers(loop, { nWorkers: 1, args: [i] });
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      expect((await raw.hkeys(key)).sort()).toEqual(['latest', 'sig:latest']);
    }
    // The same script twice shares one entry; scripts stay (a script may run at any time).
    const first = await rush.workerScript(loop, { args: ['s'] });
    const again = await rush.workerScript(loop, { args: ['s'] });
    const configOf = (script: string) => /--config '([^']+)'/.exec(script)![1]!;
    expect(configOf(again)).toBe(configOf(first));
    expect(await raw.hlen(key)).toBe(4);
    await rush.stopWorkers({ type: 'kill' });
  });

  it('exited workers leave the process table at the next start once accounted for', async () => {
    const rush = await manager();
    const [first] = await rush.startLocalWorkers(loop, { nWorkers: 1 });
    await rush.waitForWorkers({ workerIds: [first!], timeout: 60 });
    expect(await rush.stopWorkers({ type: 'kill' })).toEqual([first]);
    expect(rush.processes.get(first!)?.signalCode).toBe('SIGKILL'); // still there to look at
    const [second] = await rush.startLocalWorkers(loop, { nWorkers: 1 });
    expect([...rush.processes.keys()]).toEqual([second]);
    await rush.waitForWorkers({ workerIds: [second!], timeout: 60 });
    const child = rush.processes.get(second!)!;
    child.kill('SIGKILL');
    await waitUntil(() => child.signalCode !== null, { what: 'the worker to die' });
    expect(await rush.detectLostWorkers()).toEqual([second]);
    const [third] = await rush.startLocalWorkers(loop, { nWorkers: 1 });
    expect([...rush.processes.keys()]).toEqual([third]);
    await rush.waitForWorkers({ workerIds: [third!], timeout: 60 });
    await rush.stopWorkers({ type: 'kill' });
  });
});
