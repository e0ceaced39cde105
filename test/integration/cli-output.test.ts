/**
 * The command line's output, round 3: `--version`, `--json` on status and logs, structured log
 * fields, unknown networks, closed pipes, RUSHNET_NETWORK, `--worker` with several ids, a bad
 * REDIS_URL, and text from Redis never reaching the terminal raw.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, root, rushnet, startRushnet } from '../helpers/cli.js';
import { manager, newNetworkId, redisUrl, worker } from '../helpers/network.js';

beforeAll(requireBuild);

/** Control characters anywhere in the output: none may be printed raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

describe('rushnet --version', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
      version: string;
    };
    const { code, stdout } = await rushnet(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });
});

describe('a network that does not exist', () => {
  it.each([
    ['status', []],
    ['logs', []],
    ['export', []],
    ['stop', []],
    ['reset', ['--yes']],
  ])('%s: one line naming it, exit 1', async (command, extra) => {
    const id = newNetworkId();
    const { code, stdout, stderr } = await rushnet([command, '--network', id, ...extra]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`network '${id}' does not exist`);
    expect(stderr).not.toContain('removed');
  });

  it('logs --follow waits for it, saying so, and prints its records once it exists', async () => {
    const id = newNetworkId();
    const follow = startRushnet(['logs', '--network', id, '--follow']);
    try {
      await until(() => follow.stderr().includes('does not exist yet: waiting'));
      await manager(id);
      const w = await worker(id, { workerId: 'late-1', logThresholds: { rushnet: 'info' } });
      w.logger.warn('here at last');
      await w.setTerminated();
      await until(() => follow.stdout().includes('here at last'));
    } finally {
      follow.child.kill('SIGINT');
    }
    expect((await follow.exit).code).toBe(0);
  });
});

describe('--json', () => {
  it('status --json: one document with the counts and the workers', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    await worker(id, { workerId: 'json-w1' });
    await rush.pushTasks([{ x: 1 }, { x: 2 }]);
    await rush.pushFailedTasks([{ x: 3 }]);
    const { code, stdout } = await rushnet(['status', '--network', id, '--json']);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({
      network: id,
      tasks: { queued: 2, running: 0, finished: 0, failed: 1, total: 3 },
      workers: { running: 1, terminated: 0 },
    });
    expect(status.worker_info).toEqual([
      expect.objectContaining({ worker_id: 'json-w1', pid: process.pid, state: 'running' }),
    ]);
    const server = JSON.parse((await rushnet(['status', '--json'])).stdout);
    expect(server.networks).toContainEqual(
      expect.objectContaining({ network: id, tasks: expect.objectContaining({ queued: 2 }) }),
    );
  });

  it('logs --json: one array of records with their fields; --follow: one object per line', async () => {
    const id = newNetworkId();
    await manager(id);
    const w = await worker(id, { workerId: 'json-logger', logThresholds: { app: 'info' } });
    w.getLogger('app').info({ x: 1, lr: 0.01, epoch: 3 }, 'evaluating');
    w.getLogger('app').warn({ x: 2 }, 'slow');
    await w.setTerminated();
    const { code, stdout } = await rushnet(['logs', '--network', id, '--json']);
    expect(code).toBe(0);
    const records = JSON.parse(stdout);
    expect(records).toEqual([
      expect.objectContaining({
        worker_id: 'json-logger',
        level: 'info',
        logger: 'app',
        msg: 'evaluating',
        x: 1,
        lr: 0.01,
        epoch: 3,
      }),
      expect.objectContaining({ level: 'warn', msg: 'slow', x: 2 }),
    ]);
    expect(Number.isNaN(Date.parse(records[0].timestamp))).toBe(false);

    const follow = startRushnet(['logs', '--network', id, '--json', '--follow']);
    try {
      await until(() => follow.stdout().split('\n').length > 2);
    } finally {
      follow.child.kill('SIGINT');
    }
    expect((await follow.exit).code).toBe(0);
    const lines = follow.stdout().trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['evaluating', 'slow']);
  });
});

describe('logs', () => {
  it("shows a record's structured fields after its message", async () => {
    const id = newNetworkId();
    await manager(id);
    const w = await worker(id, { workerId: 'fields-1', logThresholds: { app: 'info' } });
    w.getLogger('app').info({ x: 1, lr: 0.01, epoch: 3, tag: 'two words' }, 'evaluating');
    await w.setTerminated();
    const { stdout } = await rushnet(['logs', '--network', id]);
    expect(stdout).toMatch(
      /INFO {2}\[fields-1\] app: evaluating x=1 lr=0\.01 epoch=3 tag="two words"\n$/,
    );
  });

  it('--worker takes several ids, after one flag or repeated', async () => {
    const id = newNetworkId();
    await manager(id);
    for (const name of ['wa', 'wb', 'wc']) {
      const w = await worker(id, { workerId: name, logThresholds: { rushnet: 'info' } });
      w.logger.warn(`from ${name}`);
      await w.setTerminated();
    }
    for (const flags of [
      ['--worker', 'wa', 'wb'],
      ['--worker', 'wa', '--worker', 'wb'],
    ]) {
      const { code, stdout } = await rushnet(['logs', '--network', id, ...flags]);
      expect(code).toBe(0);
      expect(stdout).toContain('from wa');
      expect(stdout).toContain('from wb');
      expect(stdout).not.toContain('from wc');
    }
  });
});

describe('text from Redis is made visible, never interpreted', () => {
  it('escape sequences in log messages, fields, host names and ids (text and --json)', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    const w = await worker(id, { workerId: 'esc-1', logThresholds: { app: 'info' } });
    w.getLogger('app').info({ note: 'a\x1b]52;c;aGk=\x07' }, 'clear \x1b[2J\x1b[H done \x9b1m');
    await w.setTerminated();
    // A host name as another writer could have stored it.
    await rush.connector.hset(`rush:{${id}}:worker:esc-1`, 'hostname', 'evil\x1b]0;title\x07');
    const outputs = [
      await rushnet(['logs', '--network', id]),
      await rushnet(['logs', '--network', id, '--json']),
      await rushnet(['status', '--network', id]),
      await rushnet(['status', '--network', id, '--json']),
    ];
    for (const { code, stdout } of outputs) {
      expect(code).toBe(0);
      expect(stdout).not.toMatch(RAW_CONTROL);
    }
    expect(outputs[0]!.stdout).toContain('clear \\x1b[2J\\x1b[H done \\x9b1m');
    expect(outputs[0]!.stdout).toContain('note="a\\u001b]52;c;aGk=\\u0007"');
    expect(JSON.parse(outputs[1]!.stdout)[0].msg).toBe('clear \x1b[2J\x1b[H done \x9b1m');
    expect(outputs[1]!.stdout).toContain('\\u009b1m');
    expect(outputs[2]!.stdout).toContain('evil\\x1b]0;title\\x07');
    expect(JSON.parse(outputs[3]!.stdout).worker_info[0].hostname).toBe('evil\x1b]0;title\x07');
  });

  it('a network id with escape sequences in the list of networks', async () => {
    const id = `${newNetworkId()}\x1b[2J`;
    const client = (await manager()).connector;
    await client.rpush(`rush:{${id}}:tasks`, 'k');
    try {
      const text = await rushnet(['status']);
      const json = await rushnet(['status', '--json']);
      expect(text.stdout).toContain(`${id.slice(0, -4)}\\x1b[2J`);
      expect(text.stdout).not.toMatch(RAW_CONTROL);
      expect(json.stdout).not.toMatch(RAW_CONTROL);
    } finally {
      await client.del(`rush:{${id}}:tasks`);
    }
  });
});

describe('output into a closed pipe ends quietly', () => {
  it.each([
    ['export', ['--format', 'ndjson']],
    ['export', ['--format', 'csv']],
    ['export', []],
    ['logs', []],
    ['status', []],
  ])('%s %s', async (command, extra) => {
    const id = newNetworkId();
    const rush = await manager(id);
    await rush.pushTasks(Array.from({ length: 6000 }, (_, i) => ({ i, text: 'x'.repeat(40) })));
    const w = await worker(id, { workerId: 'pipe-1', logThresholds: { app: 'info' } });
    for (let i = 0; i < 3000; i++) w.getLogger('app').info({ i }, 'a line of the log');
    await w.setTerminated();
    const run = startRushnet([command, '--network', id, ...extra]);
    // Read the first chunk, then close the pipe, like `| head -1`.
    await until(() => run.stdout().length > 0);
    run.child.stdout!.destroy();
    const { code } = await run.exit;
    expect(run.stderr()).toBe('');
    expect(code).toBe(0);
  });
});

describe('environment', () => {
  it('RUSHNET_NETWORK is the default of --network', async () => {
    const id = newNetworkId();
    const rush = await manager(id);
    await rush.pushTasks([{ x: 1 }]);
    const status = await rushnet(['status'], { RUSHNET_NETWORK: id });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`network ${id}`);
    const exported = await rushnet(['export', '--format', 'ndjson'], { RUSHNET_NETWORK: id });
    expect(JSON.parse(exported.stdout)).toMatchObject({ state: 'queued', x: 1 });
    // --network wins over it.
    const other = await rushnet(['status', '--network', newNetworkId()], { RUSHNET_NETWORK: id });
    expect(other.code).toBe(1);
  });

  it('a malformed REDIS_URL exits 2 like the same URL in --url, without its password', async () => {
    const bad = 'redis://:hunter2@127.0.0.1:99999';
    const viaEnv = await rushnet(['status'], { REDIS_URL: bad });
    const viaFlag = await rushnet(['status', '--url', bad]);
    for (const result of [viaEnv, viaFlag]) {
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toContain('hunter2');
    }
  });

  it('the test server is not the default one', () => {
    expect(redisUrl()).not.toContain(':6379');
  });
});

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}
