/**
 * The secure example (examples/secure.mjs, linked from docs/security.md) runs: a per-network ACL user on a
 * server of this test's own, a key from RUSHNET_SECRET, the admin login from REDIS_URL (or
 * ADMIN_REDIS_URL); without a reachable admin login it fails with one clear line.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { repoRoot as root } from '../helpers/sources.js';

const example = readFileSync(`${root}examples/secure.mjs`, 'utf8');
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer([]);
});
afterAll(async () => {
  await server?.stop();
});

/** Runs the example from the sources; resolves to its exit code and output. */
function runExample(
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        example.replace("from 'rushnet'", `from '${root}src/index.ts'`),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          ADMIN_REDIS_URL: undefined,
          REDIS_URL: undefined,
          RUSHNET_SECRET: 'example-secret-0123456789',
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the secure example', () => {
  it('is linked from the security guide (whose own copy runs in readme.test.ts)', () => {
    const guide = readFileSync(`${root}docs/security.md`, 'utf8');
    expect(guide).toContain('](../examples/secure.mjs)');
  });

  it.each([['REDIS_URL'], ['ADMIN_REDIS_URL']])(
    'runs with the admin login from %s, and leaves neither a key nor the user behind',
    async (variable) => {
      const admin = `redis://127.0.0.1:${server.port}`;
      const { code, stdout, stderr } = await runExample({ [variable]: admin });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout.trim()).toBe('[ 2, 4, 6 ]');
      const client = new Redis(admin);
      try {
        expect(await client.keys('*')).toEqual([]);
        expect(await client.call('ACL', 'USERS')).toEqual(['default']);
      } finally {
        client.disconnect();
      }
    },
  );

  it('without an admin login, or with one it cannot reach, fails with one clear line', async () => {
    const missing = await runExample({});
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      'secure.mjs: set REDIS_URL (or ADMIN_REDIS_URL) to a login that may create users\n',
    );
    const port = await freePort();
    const unreachable = await runExample({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^secure\.mjs: cannot reach the admin Redis: .*ECONNREFUSED/,
    );
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1);
  });
});
