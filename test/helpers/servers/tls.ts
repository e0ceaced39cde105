/**
 * TLS for tests: a certificate authority, a server certificate for 127.0.0.1/localhost and a
 * client certificate made with openssl in a temporary directory, and TLS-only redis-servers
 * (`port 0`, `tls-port`) that want a client certificate optionally or always.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { admin, baseArgs, type ServerProcess, startProcess, topologyDir } from './process.js';

export interface Certificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: verifying the server with it fails. */
  otherCa: string;
  /** Removes the directory. */
  remove(): void;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`openssl ${args[0]}: ${error.message}\n${stderr}`));
      else resolve();
    });
  });
}

/** Makes the CA, server and client certificates (RSA 2048, valid 2 days). */
export async function makeCertificates(): Promise<Certificates> {
  const { dir, remove } = topologyDir('tls');
  try {
    const selfSigned = (name: string, cn: string) =>
      openssl(
        [
          ...['req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048'],
          ...['-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`],
        ],
        dir,
      );
    const signed = async (name: string, cn: string, extensions: string) => {
      await openssl(
        [
          ...['req', '-new', '-nodes', '-newkey', 'rsa:2048'],
          ...['-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`],
        ],
        dir,
      );
      writeFileSync(join(dir, `${name}.ext`), extensions);
      await openssl(
        [
          ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key'],
          ...['-CAcreateserial', '-out', `${name}.crt`, '-days', '2'],
          ...['-extfile', `${name}.ext`],
        ],
        dir,
      );
    };
    await Promise.all([selfSigned('ca', 'rushnet test CA'), selfSigned('other-ca', 'other CA')]);
    await signed(
      'server',
      'localhost',
      'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
    );
    await signed('client', 'rushnet-client', 'extendedKeyUsage=clientAuth\n');
    return {
      dir,
      ca: join(dir, 'ca.crt'),
      serverCert: join(dir, 'server.crt'),
      serverKey: join(dir, 'server.key'),
      clientCert: join(dir, 'client.crt'),
      clientKey: join(dir, 'client.key'),
      otherCa: join(dir, 'other-ca.crt'),
      remove,
    };
  } catch (error) {
    remove();
    throw error;
  }
}

export interface TlsServer extends ServerProcess {
  /** `rediss://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

/**
 * A TLS-only redis-server. `authClients`: whether clients must present a certificate signed
 * by the CA (`yes`) or may (`optional`).
 */
export async function startTlsServer(
  certs: Certificates,
  authClients: 'yes' | 'optional',
): Promise<TlsServer> {
  const { dir, remove } = topologyDir('tls-server');
  // The readiness probe presents the client certificate, so it works in both modes.
  const probe: ConnectionOptions = {
    ca: readFileSync(certs.ca),
    cert: readFileSync(certs.clientCert),
    key: readFileSync(certs.clientKey),
  };
  try {
    const server = await startProcess(
      (port) => [
        ...['--port', '0', '--tls-port', String(port)],
        ...['--tls-cert-file', certs.serverCert, '--tls-key-file', certs.serverKey],
        ...['--tls-ca-cert-file', certs.ca, '--tls-auth-clients', authClients],
        ...baseArgs(dir, `tls-${port}`),
      ],
      async (port) => {
        const client = admin(port, probe);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      },
    );
    return Object.assign(server, {
      url: `rediss://127.0.0.1:${server.port}`,
      async stop() {
        await server.kill('SIGTERM');
        remove();
      },
    });
  } catch (error) {
    remove();
    throw error;
  }
}
