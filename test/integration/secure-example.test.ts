/**
 * The security guide's example, examples/secure.mjs, is linked from docs/security.md, and it
 * runs (a per-network ACL user on a server of this test's own, a key from RUSHNET_SECRET).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const example = readFileSync(`${root}examples/secure.mjs`, 'utf8');
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer([]);
});
afterAll(async () => {
  await server?.stop();
});

describe('docs/security.md: running a network securely', () => {
  it('is linked from the security guide (whose own copy runs in readme.test.ts)', () => {
    const guide = readFileSync(`${root}docs/security.md`, 'utf8');
    expect(guide).toContain('](../examples/secure.mjs)');
  });

  it('runs, and leaves neither a key nor the user behind', async () => {
    const admin = `redis://127.0.0.1:${server.port}`;
    const { stdout } = await run(
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
          ADMIN_REDIS_URL: admin,
          RUSHNET_SECRET: 'example-secret-0123456789',
        },
        timeout: 60_000,
      },
    );
    expect(stdout.trim()).toBe('[ 2, 4, 6 ]');
    const client = new Redis(admin);
    try {
      expect(await client.keys('*')).toEqual([]);
      expect(await client.call('ACL', 'USERS')).toEqual(['default']);
    } finally {
      client.disconnect();
    }
  });
});
