/** The CLI's connection flags: `--url` and `--tls-ca/--tls-cert/--tls-key` into a Redis config. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliConfig, UsageError } from '../../src/cli/common.js';
import { CONFIG_ENV } from '../../src/redis/config.js';
import { restoreEnvAfterEach } from '../helpers/env.js';
import { thrownBy } from '../helpers/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'rushnet-cli-flags-'));
const ca = join(dir, 'ca.pem');
const cert = join(dir, 'client.pem');
const key = join(dir, 'client.key');
for (const file of [ca, cert, key]) writeFileSync(file, 'PEM');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI connection flags', () => {
  restoreEnvAfterEach(['REDIS_URL', CONFIG_ENV]);

  /** The message of the UsageError that `run` throws. */
  const usageError = (run: () => unknown) => thrownBy(UsageError, run).message;

  it('adds TLS files to --url and turns TLS on', () => {
    expect(cliConfig({ url: 'redis://:pw@h:1' })).toMatchObject({ host: 'h', tls: false });
    expect(
      cliConfig({ url: 'redis://:pw@h:1', tlsCa: ca, tlsCert: cert, tlsKey: key }),
    ).toMatchObject({
      kind: 'standalone',
      password: 'pw',
      tls: { caFile: ca, certFile: cert, keyFile: key },
    });
  });

  it('adds TLS files to a config from the environment', () => {
    delete process.env.REDIS_URL;
    process.env[CONFIG_ENV] = JSON.stringify({
      sentinels: [{ host: 's' }],
      name: 'm',
      tls: { servername: 'redis.example' },
    });
    expect(cliConfig({ tlsCa: ca })).toMatchObject({
      kind: 'sentinel',
      tls: { caFile: ca, servername: 'redis.example' },
      sentinelTls: undefined,
    });
  });

  it('a bad --url or a missing file is a usage error in one line', () => {
    const missing = join(dir, 'nope.pem');
    expect(usageError(() => cliConfig({ tlsCa: missing }))).toBe(
      `\`--tls-ca\` names a file that does not exist: ${missing}`,
    );
    expect(usageError(() => cliConfig({ tlsCert: cert }))).toMatch(/--tls-cert.*--tls-key/);
    expect(usageError(() => cliConfig({ url: 'http://h' }))).toMatch(/^`--url` must use/);
    expect(usageError(() => cliConfig({ url: 'redis://u:hunter%zz@h' }))).not.toMatch(/hunter/);
  });
});
