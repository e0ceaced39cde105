/** Redis config: parsing and checks of every form, redaction, resolution, and the env round trip. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RushConfigError, RushInputError } from '../../src/errors.js';
import { reconnectOnError, toClusterOptions } from '../../src/redis/client-options.js';
import {
  CONFIG_ENV,
  configFromEnv,
  configToEnv,
  configToUrl,
  describeConfig,
  hidePassword,
  normalizeConfig,
  type RedisConfig,
  resolveConfig,
  toClientOptions,
} from '../../src/redis/config.js';
import { restoreEnvAfterEach } from '../helpers/env.js';
import { thrownBy } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'rushnet-config-'));
const ca = join(dir, 'ca.pem');
const cert = join(dir, 'client.pem');
const key = join(dir, 'client.key');
writeFileSync(ca, 'CA PEM');
writeFileSync(cert, 'CERT PEM');
writeFileSync(key, 'KEY PEM');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message of what `run` throws, checked to be a RushInputError. */
const inputError = (run: () => unknown) => thrownBy(RushInputError, run).message;

describe('config', () => {
  restoreEnvAfterEach(['REDIS_URL', CONFIG_ENV]);

  it('parses a URL with user, password, db and TLS', () => {
    expect(normalizeConfig('rediss://alice:s%40cret@example.org:6380/3')).toEqual({
      kind: 'standalone',
      host: 'example.org',
      port: 6380,
      username: 'alice',
      password: 's@cret',
      db: 3,
      tls: {},
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
      kind: 'standalone',
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
    expect(inputError(() => normalizeConfig('not a url hunter2'))).not.toContain('hunter2');
    expect(inputError(() => normalizeConfig('redis://u:hunt%zzer2@h'))).toMatch(/%-escape/);
    expect(inputError(() => normalizeConfig('redis://u:hunt%zzer2@h'))).not.toContain('hunt');
    expect(inputError(() => normalizeConfig({ password: 42 as never }))).toBe(
      '`config.password` must be a string',
    );
    expect(() => normalizeConfig({ port: 0 })).toThrow(/`config.port`/);
    expect(() => normalizeConfig({ db: -1 })).toThrow(/`config.db`/);
    expect(() => normalizeConfig(42 as never)).toThrow(/`config`/);
    expect(inputError(() => normalizeConfig({ hostname: 'x' } as never))).toMatch(
      /`config.hostname` is not a known option/,
    );
    expect(inputError(() => normalizeConfig({ kind: 'cluster', host: 'h' } as never))).toMatch(
      /`config.kind`/,
    );
  });

  it('takes a cluster of URLs or addresses', () => {
    const config = normalizeConfig({
      cluster: ['redis://u:pw@10.0.0.1:7001', { host: '10.0.0.2', port: 7002 }, { host: 'c' }],
    });
    expect(config).toEqual({
      kind: 'cluster',
      cluster: [
        { host: '10.0.0.1', port: 7001 },
        { host: '10.0.0.2', port: 7002 },
        { host: 'c', port: 6379 },
      ],
      username: 'u',
      password: 'pw',
      tls: false,
    });
    expect(normalizeConfig({ cluster: ['rediss://h:1'], password: 'top' })).toMatchObject({
      password: 'top',
      tls: {},
    });
    expect(inputError(() => normalizeConfig({ cluster: [] }))).toMatch(/`config.cluster` must/);
    expect(inputError(() => normalizeConfig({ cluster: ['redis://h:1/2'] }))).toMatch(
      /`config.cluster\[0\]` names a database/,
    );
    expect(inputError(() => normalizeConfig({ cluster: [{ host: 'h', port: 1e6 }] }))).toMatch(
      /`config.cluster\[0\].port`/,
    );
    expect(inputError(() => normalizeConfig({ cluster: ['h:1'] }))).toMatch(
      /`config.cluster\[0\]`/,
    );
    expect(
      inputError(() => normalizeConfig({ cluster: ['redis://a:x@h:1', 'redis://b:y@h:2'] })),
    ).toMatch(/`config.cluster\[1\]` has other credentials/);
    expect(inputError(() => normalizeConfig({ cluster: ['h:1'], db: 1 } as never))).toMatch(
      /`config.db` is not a known option/,
    );
  });

  it('takes sentinels and the primary name', () => {
    const config = normalizeConfig({
      sentinels: [{ host: 's1' }, { host: 's2', port: 26380 }],
      name: 'mymaster',
      password: 'pw',
      sentinelPassword: 'spw',
      db: 2,
    });
    expect(config).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      name: 'mymaster',
      username: undefined,
      password: 'pw',
      sentinelUsername: undefined,
      sentinelPassword: 'spw',
      db: 2,
      tls: false,
      sentinelTls: undefined,
    });
    expect(inputError(() => normalizeConfig({ sentinels: [{ host: 's' }] } as never))).toMatch(
      /`config.name`/,
    );
    expect(inputError(() => normalizeConfig({ sentinels: [], name: 'm' }))).toMatch(
      /`config.sentinels`/,
    );
    expect(
      inputError(() =>
        normalizeConfig({ sentinels: [{ host: 's' }], name: 'm', sentinelPassword: 1 as never }),
      ),
    ).toBe('`config.sentinelPassword` must be a string');
  });

  it('checks TLS files and makes their paths absolute', () => {
    const config = normalizeConfig({
      tls: { caFile: relative(process.cwd(), ca), certFile: cert, keyFile: key, servername: 'x' },
    });
    expect(config.tls).toEqual({ caFile: ca, certFile: cert, keyFile: key, servername: 'x' });
    const missing = join(dir, 'nope', 'ca.pem');
    expect(inputError(() => normalizeConfig({ tls: { caFile: missing } }))).toBe(
      `\`config.tls.caFile\` names a file that does not exist: ${missing}`,
    );
    expect(inputError(() => normalizeConfig({ tls: { caFile: dir } }))).toMatch(
      /`config.tls.caFile` is not a regular file/,
    );
    expect(inputError(() => normalizeConfig({ tls: { certFile: cert } }))).toMatch(
      /`config.tls.keyFile` is needed too/,
    );
    expect(inputError(() => normalizeConfig({ tls: { ca: 'PEM' } as never }))).toMatch(
      /`config.tls.ca` is not a known option/,
    );
    expect(
      inputError(() => normalizeConfig({ tls: { rejectUnauthorized: 'no' as never } })),
    ).toMatch(/`config.tls.rejectUnauthorized` must be a boolean/);
    expect(inputError(() => normalizeConfig({ tls: 'yes' as never }))).toMatch(/`config.tls`/);
    expect(
      inputError(() =>
        normalizeConfig({ cluster: ['redis://h:1'], tls: { keyFile: join(dir, 'k') } }),
      ),
    ).toMatch(/`config.tls.keyFile` names a file that does not exist/);
  });

  it('reads TLS files when a client is made', () => {
    const options = toClientOptions(
      normalizeConfig({ host: 'h', tls: { caFile: ca, certFile: cert, keyFile: key } }),
    );
    expect(String(options.tls?.ca)).toBe('CA PEM');
    expect(String(options.tls?.cert)).toBe('CERT PEM');
    expect(String(options.tls?.key)).toBe('KEY PEM');
    expect(options.maxRetriesPerRequest).toBeNull();
    const sentinel = toClientOptions(
      normalizeConfig({ sentinels: [{ host: 's' }], name: 'm', tls: { caFile: ca } }),
    );
    expect(sentinel).toMatchObject({ name: 'm', enableTLSForSentinelMode: true });
    expect(String(sentinel.sentinelTLS?.ca)).toBe('CA PEM');
    const cluster = normalizeConfig({ cluster: ['redis://h:1'], password: 'p' });
    expect(() => toClientOptions(cluster)).toThrow(RushConfigError);
    const clusterConfig = normalizeConfig({
      cluster: ['redis://h:1'],
      password: 'p',
      tls: { caFile: ca },
    });
    if (clusterConfig.kind !== 'cluster') throw new Error('not a cluster config');
    const clusterOptions = toClusterOptions(clusterConfig);
    expect(clusterOptions.redisOptions).toMatchObject({
      password: 'p',
      maxRetriesPerRequest: null,
    });
    expect(String(clusterOptions.redisOptions?.tls?.ca)).toBe('CA PEM');
    // A file gone after the check: a RushConfigError naming it.
    const gone = join(dir, 'gone.pem');
    writeFileSync(gone, 'x');
    const config = normalizeConfig({ tls: { caFile: gone } });
    rmSync(gone);
    expect(() => toClientOptions(config)).toThrow(`cannot read config.tls.caFile ${gone}`);
  });

  it('redacts the password in URLs and descriptions meant for people', () => {
    const config = normalizeConfig('redis://bob:hunter2@h:1/2');
    expect(configToUrl(config, { redact: true })).toBe('redis://bob:<redacted>@h:1/2');
    expect(configToUrl(config, { redact: false })).toBe('redis://bob:hunter2@h:1/2');
    const cluster = normalizeConfig({
      cluster: [1, 2, 3, 4].map((p) => `rediss://:hunter2@127.0.0.1:700${p}`),
    });
    expect(describeConfig(cluster)).toBe(
      'redis-cluster://:<redacted>@127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003,… (4 nodes) (TLS)',
    );
    expect(configToUrl(cluster, { redact: true })).toBe(describeConfig(cluster));
    expect(() => configToUrl(cluster, { redact: false })).toThrow(/configToEnv/);
    const sentinel = normalizeConfig({
      sentinels: [{ host: 's', port: 1 }],
      name: 'mymaster',
      username: 'u',
      password: 'hunter2',
    });
    expect(describeConfig(sentinel)).toBe('redis-sentinel://u:<redacted>@s:1/mymaster');
  });

  it('hides passwords from printing and serializing', () => {
    const config = hidePassword(
      normalizeConfig({
        sentinels: [{ host: 's' }],
        name: 'm',
        password: 'hunter2',
        sentinelPassword: 'hunter3',
      }),
    );
    expect(JSON.stringify(config)).not.toMatch(/hunter/);
    expect(Object.keys(config)).not.toContain('password');
    expect(config.password).toBe('hunter2');
    expect(config.kind === 'sentinel' && config.sentinelPassword).toBe('hunter3');
    // A hidden config is a config too: it normalizes to itself.
    expect(normalizeConfig(config)).toMatchObject({ password: 'hunter2' });
  });

  it('resolves explicit, then plan, then the environment, then the default', () => {
    process.env.REDIS_URL = 'redis://envhost:1111';
    const host = (config: RedisConfig) => (normalizeConfig(config) as { host?: string }).host;
    expect(host(resolveConfig('redis://a:1', 'redis://b:2'))).toBe('a');
    expect(host(resolveConfig(undefined, 'redis://b:2'))).toBe('b');
    expect(host(resolveConfig(undefined, undefined))).toBe('envhost');
    process.env[CONFIG_ENV] = JSON.stringify({ host: 'jsonhost' });
    expect(host(resolveConfig(undefined, undefined))).toBe('jsonhost');
    delete process.env[CONFIG_ENV];
    delete process.env.REDIS_URL;
    expect(resolveConfig(undefined, undefined)).toMatchObject({ host: '127.0.0.1', port: 6379 });
  });

  it.each<[string, RedisConfig]>([
    ['a URL', 'redis://bob:hunter2@h:1/2'],
    ['TLS files', { host: 'h', password: 'pw', tls: { caFile: ca, certFile: cert, keyFile: key } }],
    ['a cluster', { cluster: ['redis://:pw@h:1', { host: 'h', port: 2 }], tls: true }],
    [
      'sentinels',
      {
        sentinels: [{ host: 's', port: 1 }],
        name: 'm',
        username: 'u',
        password: 'pw',
        sentinelPassword: 'spw',
        sentinelTls: { caFile: ca },
      },
    ],
  ])('hands %s to workers through the environment', (_, given) => {
    const config = hidePassword(normalizeConfig(given));
    const env = configToEnv(config);
    expect(Object.keys(env).sort()).toEqual(
      config.kind === 'standalone' ? ['REDIS_URL', CONFIG_ENV] : [CONFIG_ENV],
    );
    expect(normalizeConfig(configFromEnv(env)!)).toEqual(normalizeConfig(given));
    if (config.kind === 'standalone') {
      expect(normalizeConfig(env.REDIS_URL!)).toMatchObject({ password: config.password });
    }
  });

  it('reads the environment: the JSON config first, then REDIS_URL', () => {
    expect(configFromEnv({})).toBeUndefined();
    expect(configFromEnv({ REDIS_URL: 'redis://h:1' })).toBe('redis://h:1');
    expect(configFromEnv({ REDIS_URL: 'redis://h:1', [CONFIG_ENV]: '{"port":2}' })).toEqual({
      port: 2,
    });
    const broken = inputError(() => configFromEnv({ [CONFIG_ENV]: '{"password":"hunter2"' }));
    expect(broken).toBe(`\`${CONFIG_ENV}\` is not valid JSON`);
    const missing = join(dir, 'missing.pem');
    expect(
      inputError(() =>
        configFromEnv({ [CONFIG_ENV]: JSON.stringify({ tls: { caFile: missing } }) }),
      ),
    ).toBe(`\`${CONFIG_ENV}.tls.caFile\` names a file that does not exist: ${missing}`);
  });

  it('reconnects when the primary was demoted under a command', () => {
    const reply = (message: string, name: string) =>
      Object.assign(new Error(message), { command: { name } });
    expect(
      reconnectOnError(reply('UNBLOCKED force unblock from blocking operation', 'blmove')),
    ).toBe(2);
    expect(
      reconnectOnError(reply("READONLY You can't write against a read only replica.", 'evalsha')),
    ).toBe(2);
    // A step of a transaction is not sent again alone: the transaction fails as a whole.
    expect(
      reconnectOnError(reply("READONLY You can't write against a read only replica.", 'rpush')),
    ).toBe(1);
    expect(reconnectOnError(reply('ERR wrong number of arguments', 'evalsha'))).toBe(false);
  });
});
