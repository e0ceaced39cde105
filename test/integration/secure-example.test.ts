/**
 * README "Running a network securely": the example is the one in examples/secure.mjs, and it
 * runs (a per-network ACL user on a server of this test's own, a key from RUSHNET_SECRET).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { repoRoot as root, runAgainstSources } from '../helpers/sources.js';

const example = readFileSync(`${root}examples/secure.mjs`, 'utf8');
let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer([]);
});
afterAll(async () => {
  await server?.stop();
});

describe('README: running a network securely', () => {
  it('shows examples/secure.mjs as it is', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    expect(readme).toContain(example.replace(/^(\/\/.*\n)+/, '').trim());
  });

  it('runs, and leaves neither a key nor the user behind', async () => {
    const admin = `redis://127.0.0.1:${server.port}`;
    const stdout = await runAgainstSources(example, {
      ADMIN_REDIS_URL: admin,
      RUSHNET_SECRET: 'example-secret-0123456789',
    });
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
