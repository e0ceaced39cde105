/**
 * OpenSSH servers on simulated hosts (netns.ts) for the SSH launcher's tests: host keys and a
 * client key made by the test in its temporary directory, a private sshd_config, and an
 * ssh_config for the client. Nothing in /etc/ssh or ~/.ssh is read or changed.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimNetwork } from './netns.js';
import { waitListening } from './netns.js';

const SSHD = '/usr/sbin/sshd';

/** Why sshd cannot run here, or undefined when it can. */
export function sshdUnavailable(): string | undefined {
  for (const program of [SSHD, '/usr/bin/ssh', '/usr/bin/ssh-keygen']) {
    try {
      accessSync(program, constants.X_OK);
    } catch {
      return `${program} is missing (apt-get install openssh-server openssh-client)`;
    }
  }
  return undefined;
}

/** Makes an ed25519 key pair without a passphrase; returns the private key's path. */
export function makeKey(path: string, comment: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  return path;
}

/**
 * Starts sshd on host `name`, on `port`, accepting the keys in `authorizedKeys`; resolves once
 * it listens. Sessions never time out on the server side (no ClientAlive), so a short cut of
 * the link does not end them.
 */
export async function startSshd(
  net: SimNetwork,
  name: string,
  { dir, port, authorizedKeys }: { dir: string; port: number; authorizedKeys: string },
): Promise<void> {
  const h = net.host(name);
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const hostKey = makeKey(join(d, 'ssh_host_ed25519_key'), name);
  const keys = join(d, 'authorized_keys');
  copyFileSync(authorizedKeys, keys);
  const config = join(d, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${h.ip}`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(d, 'sshd.pid')}`,
      `AuthorizedKeysFile ${keys}`,
      'PermitRootLogin prohibit-password',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'MaxStartups 100:30:200',
      'MaxSessions 50',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true }); // privilege separation; nothing creates it here
  execFileSync(SSHD, ['-t', '-f', config]);
  const log = openSync(join(d, 'sshd.log'), 'a');
  net.spawnOn(name, [SSHD, '-D', '-e', '-f', config], log);
  await waitListening(h, port, `sshd on ${name}:${port}`);
}

/** An ssh_config for the client: the hosts by name, the test's key, no known_hosts file. */
export function writeClientConfig(
  path: string,
  { identityFile, ports }: { identityFile: string; ports: Record<string, number> },
): string {
  const blocks = Object.entries(ports).map(([name, port]) => `Host ${name}\n  Port ${port}\n`);
  writeFileSync(
    path,
    [
      ...blocks,
      'Host *',
      '  User root',
      `  IdentityFile ${identityFile}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  ConnectTimeout 3',
      '',
    ].join('\n'),
  );
  return path;
}
