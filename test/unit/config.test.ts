import { afterEach, describe, expect, it } from 'vitest';
import { RushInputError } from '../../src/errors.js';
import { configToUrl, normalizeConfig, resolveConfig } from '../../src/redis/config.js';

describe('config', () => {
  const saved = process.env.REDIS_URL;
  afterEach(() => {
    if (saved === undefined) delete process.env.REDIS_URL;
    else process.env.REDIS_URL = saved;
  });

  it('parses a URL with user, password, db and TLS', () => {
    expect(normalizeConfig('rediss://alice:s%40cret@example.org:6380/3')).toEqual({
      host: 'example.org',
      port: 6380,
      username: 'alice',
      password: 's@cret',
      db: 3,
      tls: true,
    });
    expect(normalizeConfig('redis://:pw@localhost')).toMatchObject({
      host: 'localhost',
      port: 6379,
      username: undefined,
      password: 'pw',
      db: 0,
      tls: false,
    });
  });

  it('accepts an options object with defaults', () => {
    expect(normalizeConfig({ port: 7000, password: 'x' })).toEqual({
      host: '127.0.0.1',
      port: 7000,
      username: undefined,
      password: 'x',
      db: 0,
      tls: false,
    });
  });

  it('rejects bad configs without echoing a password', () => {
    expect(() => normalizeConfig('http://u:hunter2@host')).toThrow(RushInputError);
    expect(() => normalizeConfig('not a url hunter2')).toThrow(/not a valid URL/);
    try {
      normalizeConfig('not a url hunter2');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('hunter2');
    }
    expect(() => normalizeConfig({ port: 0 })).toThrow(/`config.port`/);
    expect(() => normalizeConfig({ db: -1 })).toThrow(/`config.db`/);
    expect(() => normalizeConfig(42 as never)).toThrow(/`config`/);
  });

  it('redacts the password in URLs meant for people', () => {
    const config = normalizeConfig('redis://bob:hunter2@h:1/2');
    expect(configToUrl(config, { redact: true })).toBe('redis://bob:<redacted>@h:1/2');
    expect(configToUrl(config, { redact: false })).toBe('redis://bob:hunter2@h:1/2');
  });

  it('resolves explicit, then plan, then REDIS_URL, then the default', () => {
    process.env.REDIS_URL = 'redis://envhost:1111';
    expect(resolveConfig('redis://a:1', 'redis://b:2').host).toBe('a');
    expect(resolveConfig(undefined, 'redis://b:2').host).toBe('b');
    expect(resolveConfig(undefined, undefined).host).toBe('envhost');
    delete process.env.REDIS_URL;
    expect(resolveConfig(undefined, undefined)).toMatchObject({ host: '127.0.0.1', port: 6379 });
  });
});
