/**
 * A least-privilege Redis user per network (SECURITY.md): with exactly the rules of
 * `networkAclRules`, a manager, its local workers and the CLI do their work; `listNetworks()`,
 * `status` without `--network` and the dashboard's overview list only the networks the user may
 * read; and a permission the user lacks is a RushConfigError that names it, whatever the method.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkAclRules } from '../../src/acl.js';
import { SharedConnections } from '../../src/dashboard/connections.js';
import { Overview } from '../../src/dashboard/overview.js';
import { listNetworks, Rush, RushConfigError, RushWorker } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { manager, newNetworkId, waitUntil } from '../helpers/network.js';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const PASSWORD = 'acl-pa55word';

let server: RedisServer;
let admin: Redis;

beforeAll(async () => {
  // The server is this file's own: its default user (no password) sets up the others.
  server = await startRedisServer([]);
  admin = new Redis(server.port, '127.0.0.1');
});

afterAll(async () => {
  admin?.disconnect();
  await server?.stop();
});

/** Creates a user with `rules` and returns a URL that logs in as it. */
async function user(name: string, rules: string[]): Promise<string> {
  await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${PASSWORD}`, ...rules);
  return `redis://${name}:${PASSWORD}@127.0.0.1:${server.port}`;
}

function rushnet(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, REDIS_URL: '' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('a per-network ACL user', () => {
  it('SECURITY.md documents exactly the rules rushnet gives', () => {
    const doc = readFileSync(join(root, 'SECURITY.md'), 'utf8');
    expect(doc).toContain(`\n${networkAclRules('sweep').join(' ')}\n`);
    expect(networkAclRules('a*b?[c]')).toContain('~rush:{a\\*b\\?\\[c\\]}:*');
  });

  it('runs a manager, local workers and the CLI with exactly the documented rules', async () => {
    expect(existsSync(bin)).toBe(true); // the CLI is built (npm test does it)
    const id = newNetworkId();
    const url = await user(`rush_${id}`, networkAclRules(id));
    // Another network on the same server, written by someone else.
    const other = new Rush({
      networkId: newNetworkId(),
      config: `redis://127.0.0.1:${server.port}`,
    });
    await other.connect();
    await other.pushTasks([{ secret: 1 }]);

    const rush = await manager(id, url);
    const ids = await rush.startLocalWorkers(
      async (rush: RushWorker) => {
        rush.logger.info('acl worker ready');
        await rush.processTasks(async (task) => ({ y: (task.xs.x as number) * 2 }), {
          timeout: 0.2,
        });
      },
      { nWorkers: 2, heartbeatPeriod: 1, logThresholds: { rushnet: 'info' } },
    );
    await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
    const keys = await rush.pushTasks(Array.from({ length: 20 }, (_, x) => ({ x })));
    await rush.waitForTasks(keys, { timeout: 60 });
    expect(
      (await rush.fetchFinishedTasks()).map((r) => r.y).sort((a, b) => Number(a) - Number(b)),
    ).toEqual(Array.from({ length: 20 }, (_, x) => 2 * x));
    expect((await rush.readLog()).map((r) => r.msg)).toContain('acl worker ready');

    const status = await rushnet(['status', '--network', id, '--url', url]);
    expect(status.stderr).toBe('');
    expect(status.stdout).toContain('tasks: 0 queued, 0 running, 20 finished, 0 failed (20 total)');
    // SCAN shows every network's key names; status lists only the ones this user may read.
    const all = await rushnet(['status', '--url', url]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain(id);
    expect(all.stdout).not.toContain(other.networkId);
    const exported = await rushnet(['export', '--network', id, '--url', url, '--format', 'csv']);
    expect(exported.stdout.trim().split('\n')).toHaveLength(21);

    await rush.stopWorkers({ type: 'terminate' });
    await rush.reset();
    expect(await admin.keys(`${new RushKeys(id).prefix}*`)).toEqual([]);
    // The other network is out of reach.
    const trespass = await new Rush({ networkId: other.networkId, config: url }).connect();
    try {
      await expect(trespass.pushTasks([{ x: 1 }])).rejects.toThrow(
        /lacks a permission rushnet needs: access to a key/,
      );
    } finally {
      await trespass.close();
    }
    await other.reset();
    await other.close();
  });

  it("cannot watch another network's keys through CLIENT TRACKING", async () => {
    const id = newNetworkId();
    const url = await user(`rush_tracking_${id}`, networkAclRules(id));
    const client = new Redis(url);
    try {
      for (const args of [
        ['TRACKING', 'on', 'BCAST', 'PREFIX', `rush:{${newNetworkId()}}:`],
        ['TRACKING', 'on', 'BCAST'],
        ['TRACKING', 'on'],
      ]) {
        await expect(client.call('CLIENT', ...args)).rejects.toThrow(/NOPERM.*client\|tracking/);
      }
      // What the rules keep: the connection commands a client needs.
      expect(await client.call('CLIENT', 'SETNAME', 'still-allowed')).toBe('OK');
    } finally {
      client.disconnect();
    }
  });

  it('a permission the user lacks is a RushConfigError that names it', async () => {
    const id = newNetworkId();
    const withoutScripts = networkAclRules(id).filter((r) => r !== '+evalsha' && r !== '+eval');
    const url = await user(`rush_noscript_${id}`, withoutScripts);
    const rush = await new Rush({ networkId: id, config: url }).connect();
    const error = await rush.pushTasks([{ x: 1 }]).catch((e: unknown) => e);
    await rush.close();
    expect(error).toBeInstanceOf(RushConfigError);
    expect((error as Error).message).toMatch(
      /^the Redis user lacks a permission rushnet needs: the command 'eval(sha)?' \(grant the network's ACL rules, see SECURITY.md\)$/,
    );
    // The CLI says the same in one line.
    const cli = await rushnet(['status', '--network', id, '--url', url]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^rushnet: the Redis user lacks a permission rushnet needs: .+\n$/);
    expect(cli.stderr).not.toContain(PASSWORD);
    // Clean up as a user with the full rules.
    const full = await manager(id, await user(`rush_full_${id}`, networkAclRules(id)));
    await full.reset();
  });

  it('listNetworks() and the dashboard overview show only the networks the user may read', async () => {
    const adminUrl = `redis://127.0.0.1:${server.port}`;
    const mine = await manager(newNetworkId(), adminUrl);
    const other = await manager(newNetworkId(), adminUrl);
    await mine.pushTasks([{ x: 1 }]);
    await other.pushTasks([{ x: 2 }, { x: 3 }]);
    const url = await user(`rush_list_${mine.networkId}`, networkAclRules(mine.networkId));
    expect(await listNetworks({ config: url })).toEqual([mine.networkId]);
    // SCAN itself sees the other network's key names: `readable: false` lists what it sees.
    const seen = await listNetworks({ config: url, readable: false });
    expect(seen).toEqual(expect.arrayContaining([mine.networkId, other.networkId]));
    await expect(listNetworks({ config: url, readable: 'yes' as never })).rejects.toThrow(
      /`options.readable` must be true or false/,
    );
    // The admin (default user) may read both.
    const all = await listNetworks({ config: adminUrl });
    expect(all).toEqual(expect.arrayContaining([mine.networkId, other.networkId]));

    const connections = new SharedConnections(url);
    try {
      const state = await new Overview(connections).read();
      expect(state.status.state).toBe('ok');
      expect(state.networks).toEqual([
        {
          id: mine.networkId,
          counts: {
            runningWorkers: 0,
            terminatedWorkers: 0,
            queued: 1,
            running: 0,
            finished: 0,
            failed: 0,
          },
        },
      ]);
      expect(state.more).toBe(0);
    } finally {
      await connections.close();
    }
  });

  it('a heartbeat worker whose permission is taken away fails clearly, not silently', async () => {
    const id = newNetworkId();
    const name = `rush_revoked_${id}`;
    const url = await user(name, networkAclRules(id));
    const w = await RushWorker.create({ networkId: id, config: url, heartbeatPeriod: 1 });
    try {
      // Every flag check of the watch thread is now denied, for good.
      await admin.call('ACL', 'SETUSER', name, '-mget');
      await waitUntil(() => w.watchFailure, { what: 'the sentinel to give up' });
      expect(w.watchFailure).toMatch(/lacks a permission rushnet needs: the command 'mget'/);
      expect(w.terminated).toBe(true);
    } finally {
      await admin.call('ACL', 'SETUSER', name, '+mget');
      await w.close();
      await (await manager(id, `redis://127.0.0.1:${server.port}`)).reset({ workers: true });
    }
  });

  it('counts(), nTasks() and the other reads without permission are RushConfigErrors that name it', async () => {
    const id = newNetworkId();
    const owner = await manager(id, `redis://127.0.0.1:${server.port}`);
    await owner.pushTasks([{ x: 1 }]);
    const named = (what: string) =>
      new RegExp(
        `^the Redis user lacks a permission rushnet needs: ${what} \\(grant the network's ACL rules, see SECURITY.md\\)$`,
      );
    // A user of another network: every key of this one is out of reach.
    const stranger = await new Rush({
      networkId: id,
      config: await user(`rush_stranger_${id}`, networkAclRules(newNetworkId())),
    }).connect();
    // A user of this network without LLEN.
    const withoutLlen = await new Rush({
      networkId: id,
      config: await user(`rush_nollen_${id}`, [...networkAclRules(id), '-llen']),
    }).connect();
    try {
      const key = named("access to a key \\(the rules' ~key pattern\\)");
      for (const read of [
        () => stranger.counts(), // a transaction Redis discards (EXECABORT)
        () => stranger.nTasks(),
        () => stranger.runningWorkerIds(),
        () => stranger.format(),
        () => stranger.fetchTasks(),
      ]) {
        const error = await read().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RushConfigError);
        expect((error as Error).message).toMatch(key);
      }
      for (const read of [() => withoutLlen.nTasks(), () => withoutLlen.counts()]) {
        const error = await read().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(RushConfigError);
        expect((error as Error).message).toMatch(named("the command 'llen'"));
        expect((error as Error).message).not.toContain(PASSWORD);
      }
      // The permissions the users have still work.
      expect(await withoutLlen.nRunningTasks()).toBe(0);
    } finally {
      await stranger.close();
      await withoutLlen.close();
    }
  });
});
