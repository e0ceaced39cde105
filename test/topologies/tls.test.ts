/**
 * rushnet over TLS: a server verified with a CA file, a server that requires a client
 * certificate, clear errors when a certificate is missing or wrong, and the CLI's
 * `--tls-ca/--tls-cert/--tls-key`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisConfig, RushConfigError, type RushWorker, rsh } from '../../src/index.js';
import { RushKeys } from '../../src/redis/keys.js';
import { command, waitFor } from '../helpers/servers/process.js';
import {
  type Certificates,
  makeCertificates,
  startTlsServer,
  type TlsServer,
} from '../helpers/servers/tls.js';
import { newNetworkId, pair, roundTrip, rushnet } from './scenario.js';

let certs: Certificates;
let optional: TlsServer;
let required: TlsServer;

beforeAll(async () => {
  certs = await makeCertificates();
  [optional, required] = await Promise.all([
    startTlsServer(certs, 'optional'),
    startTlsServer(certs, 'yes'),
  ]);
});

afterAll(async () => {
  await Promise.all([optional?.stop(), required?.stop()]);
  certs?.remove();
});

const withClientCert = (port: number, host = '127.0.0.1'): RedisConfig => ({
  host,
  port,
  tls: { caFile: certs.ca, certFile: certs.clientCert, keyFile: certs.clientKey },
});

describe('TLS', () => {
  it('verifies the server with a CA file (by IP address and by name)', async () => {
    await roundTrip({ host: '127.0.0.1', port: optional.port, tls: { caFile: certs.ca } });
    const rush = await rsh({
      config: { host: 'localhost', port: optional.port, tls: { caFile: certs.ca } },
    });
    expect(await rush.nTasks()).toBe(0);
    await rush.close();
  });

  it('presents a client certificate to a server that requires one', async () => {
    await roundTrip(withClientCert(required.port));
  });

  it('a heartbeat worker keeps its heartbeat over TLS', async () => {
    const { rush, worker, close } = await pair(withClientCert(required.port), newNetworkId(), {
      heartbeatPeriod: 1,
    });
    try {
      const heartbeat = new RushKeys(rush.networkId).heartbeat(worker.workerId);
      const tls = {
        ca: readFileSync(certs.ca),
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
      };
      await command(required.port, ['DEL', heartbeat], tls);
      await waitFor('the heartbeat written again', async () => {
        return (await command(required.port, ['EXISTS', heartbeat], tls)) === 1;
      });
    } finally {
      await close();
    }
  });

  it('a missing client certificate or a wrong CA is a RushConfigError that says so', async () => {
    const noCert = await rsh({
      config: { host: '127.0.0.1', port: required.port, tls: { caFile: certs.ca } },
    }).catch((e: unknown) => e);
    expect(noCert).toBeInstanceOf(RushConfigError);
    expect((noCert as Error).message).toMatch(/client certificate/);

    const wrongCa = await rsh({
      config: { host: '127.0.0.1', port: optional.port, tls: { caFile: certs.otherCa } },
    }).catch((e: unknown) => e);
    expect(wrongCa).toBeInstanceOf(RushConfigError);
    expect((wrongCa as Error).message).toMatch(/certificate.*check the CA/);

    const plain = await rsh({ config: `redis://:hunter2@127.0.0.1:${optional.port}` }).catch(
      (e: unknown) => e,
    );
    expect(plain).toBeInstanceOf(RushConfigError);
    expect((plain as Error).message).not.toContain('hunter2');
  });

  it('the CLI takes --tls-ca, --tls-cert and --tls-key', async () => {
    const url = `rediss://127.0.0.1:${required.port}`;
    const { rush, close } = await pair(withClientCert(required.port));
    try {
      await rush.pushTasks([{ x: 1 }]);
      const files = ['--tls-ca', certs.ca, '--tls-cert', certs.clientCert];
      const ok = await rushnet([
        ...['status', '--network', rush.networkId, '--url', url],
        ...[...files, '--tls-key', certs.clientKey],
      ]);
      expect(ok.stderr).toBe('');
      expect(ok.stdout).toMatch(/1 queued/);
      expect(ok.code).toBe(0);

      const missing = join(certs.dir, 'missing.pem');
      const noFile = await rushnet(['status', '--url', url, '--tls-ca', missing]);
      expect(noFile.code).toBe(2);
      expect(noFile.stderr).toBe(
        `rushnet: \`--tls-ca\` names a file that does not exist: ${missing}\n`,
      );
      const half = await rushnet(['status', '--url', url, ...files]);
      expect(half.code).toBe(2);
      expect(half.stderr.trim().split('\n')).toHaveLength(1);
      expect(half.stderr).toMatch(/--tls-key/);
    } finally {
      await close();
    }
  });

  it('local workers started by a TLS manager connect with the same TLS files', async () => {
    // A client certificate is required here: the workers must get the CA and the certificate.
    const rush = await rsh({ networkId: newNetworkId(), config: withClientCert(required.port) });
    try {
      const ids = await rush.startLocalWorkers(
        async (worker: RushWorker) => {
          while (!worker.terminated) {
            const task = await worker.popTask({ timeout: 0.2 });
            if (task) await worker.finishTasks([task.key], [{ y: (task.xs.x as number) * 2 }]);
          }
        },
        { nWorkers: 2, heartbeatPeriod: 1 },
      );
      await rush.waitForWorkers({ workerIds: ids, timeout: 60 });
      const keys = await rush.pushTasks([{ x: 1 }, { x: 2 }, { x: 3 }]);
      await rush.waitForTasks(keys, { timeout: 30 });
      const rows = await rush.fetchFinishedTasks();
      expect(rows.map((r) => r.y).sort()).toEqual([2, 4, 6]);
      await rush.reset();
    } finally {
      await Promise.all(
        [...rush.processes.values()].map(
          (child) =>
            new Promise((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
              child.once('exit', resolve);
              child.kill('SIGKILL');
            }),
        ),
      );
      await rush.close();
    }
  });
});
