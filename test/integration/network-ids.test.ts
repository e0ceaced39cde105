/**
 * Network ids: 1 to 256 Unicode code points, none a control or format character, no braces.
 * Anything else is a RushInputError naming the argument wherever an id enters (rsh, new Rush,
 * RushWorker, startWorker, networkAclRules, `rushnet worker --network`), before Redis is touched.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  networkAclRules,
  Rush,
  RushInputError,
  RushWorker,
  rsh,
  startWorker,
} from '../../src/index.js';
import { manager, rawClient, redisUrl, scanNetworkKeys } from '../helpers/network.js';

const bad: [what: string, id: unknown][] = [
  ['empty', ''],
  ['NUL', 'net\0work'],
  ['a newline', 'net\nwork'],
  ['a tab', 'net\twork'],
  ['ESC (a terminal escape)', 'net\u001b[2Jwork'],
  ['DEL', 'net\u007fwork'],
  ['a C1 control', 'net\u009bwork'],
  ['a zero-width space (format)', 'net\u200bwork'],
  ['a right-to-left override (format)', 'net\u202ework'],
  ['a byte order mark (format)', '\ufeffnetwork'],
  ['a soft hyphen (format)', 'net\u00adwork'],
  ['an opening brace', 'net{work'],
  ['a closing brace', 'net}work'],
  ['a lone surrogate', 'net\ud800work'],
  ['257 code points', 'n'.repeat(257)],
  ['257 astral code points', '😀'.repeat(257)],
  ['a number', 42],
  ['null', null],
];

const good = [
  'a',
  'n'.repeat(256),
  '😀'.repeat(256), // 512 UTF-16 units, 256 code points
  'my network',
  'réseau-ネットワーク-1',
  'path/../like:id',
];

async function rejection(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('network ids', () => {
  it.each(bad)('refuses an id with %s everywhere an id enters', async (_, id) => {
    const config = redisUrl();
    const entries: [string, () => unknown][] = [
      ['rsh', () => rsh({ networkId: id as string, config })],
      ['new Rush', () => new Rush({ networkId: id as string, config })],
      ['new RushWorker', () => new RushWorker({ networkId: id as string, config })],
      ['RushWorker.create', () => RushWorker.create({ networkId: id as string, config })],
      ['startWorker', () => startWorker({ networkId: id as string, config })],
      ['networkAclRules', () => networkAclRules(id as string)],
    ];
    for (const [entry, call] of entries) {
      const error = await rejection(call);
      expect(error, entry).toBeInstanceOf(RushInputError);
      expect((error as RushInputError).argument, entry).toBe('networkId');
    }
  });

  it('names what is wrong', async () => {
    const message = async (id: string) =>
      ((await rejection(() => new Rush({ networkId: id }))) as Error).message;
    expect(await message('a\u0000b')).toMatch(/^`networkId` .*control or format.*U\+0000/);
    expect(await message('a\u200bb')).toMatch(/U\+200B/);
    expect(await message('a{b}')).toMatch(/braces/);
    expect(await message('x'.repeat(300))).toMatch(/at most 256/);
  });

  it.each(good)('accepts %j and keeps its keys in its own hash slot', async (id) => {
    const rush = await manager(id);
    const [key] = await rush.pushTasks([{ x: 1 }]);
    const task = await rush.popTask({ timeout: 0 });
    expect(task?.key).toBe(key);
    await rush.finishTasks([key!], [{ y: 2 }]);
    expect(await rush.fetchFinishedTasks()).toMatchObject([{ key, x: 1, y: 2 }]);
    const keys = await scanNetworkKeys(rawClient(), id);
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k.startsWith(`rush:{${id}}:`)).toBe(true);
  });

  it('rushnet worker --network refuses a bad id with a one-line usage error (exit 2)', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const bin = join(root, 'dist/cli/main.js');
    if (!existsSync(bin)) throw new Error('the CLI is not built: run `npm run build`');
    const run = (network: string) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [bin, 'worker', '--network', network],
          { env: { ...process.env, REDIS_URL: redisUrl() }, timeout: 60_000 },
          (error, _stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
        );
      });
    for (const network of ['bad\u0007id', 'bad{id}', 'bad\u200bid']) {
      const { code, stderr } = await run(network);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/--network/);
    }
  });
});
