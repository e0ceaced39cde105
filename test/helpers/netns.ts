/**
 * Simulated hosts for tests: Linux network namespaces joined by a bridge, each with its own
 * hostname (UTS namespace), PID namespace and /etc/hosts. The first host holds the bridge; every
 * other host hangs off it on a veth pair, so no interface or address ever exists in the root
 * namespace and no traffic leaves the namespaces (no default route). Recipe and measurements:
 * /work/shared/notes/multi-host-netns.md. Needs root.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../hosts/wait.js';

export interface SimHost {
  /** Host name, as the host itself and the others know it. */
  name: string;
  /** Network namespace. */
  ns: string;
  ip: string;
}

export interface SimNetwork {
  hosts: SimHost[];
  host(name: string): SimHost;
  /** The hosts file every host sees as /etc/hosts. */
  hostsFile: string;
  /**
   * Starts a long-lived process on a host: its network, hostname, PID and mount namespaces.
   * Killing the returned process (the `unshare`) with SIGKILL ends everything on that host.
   */
  spawnOn(name: string, argv: string[], log: number | 'ignore'): ChildProcess;
  /**
   * A command line that runs `argv` on a host with that host's network, hostname and
   * /etc/hosts, but the machine's PID view (a test runner that looks at every process).
   */
  runnerArgv(name: string, argv: string[]): string[];
  /**
   * The command that pulls a host's cable (`down`: its bridge port goes down and its eth0 loses
   * carrier) or plugs it back (`up`). Root can run it from inside any of the namespaces.
   */
  linkArgv(name: string, state: 'up' | 'down'): string[];
  /** Kills every process in the namespaces and deletes them. Safe to call more than once. */
  teardown(): Promise<void>;
}

/** Why simulated hosts cannot be built here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, unshare, sshd)';
  for (const program of ['ip', 'unshare', 'ss']) {
    try {
      execFileSync(program, ['-V'], { stdio: 'ignore' });
    } catch {
      return `\`${program}\` is missing (apt-get install iproute2 util-linux)`;
    }
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` does not work here (no network namespaces)';
  }
  return undefined;
}

/** Host wrapper: hostname, private /etc/hosts, and an empty ~/.bashrc (no slow shell init). */
const WRAP =
  'hostname "$0"; mount --bind "$1" /etc/hosts; ' +
  '[ -e /root/.bashrc ] && mount --bind /dev/null /root/.bashrc; shift; exec "$@"';

/**
 * Builds the network: `names[0]` holds the bridge (.1), the others get .2, .3, …
 * `prefix` makes the namespace names unique (they are global on the machine).
 */
export function createNetwork(
  dir: string,
  names: string[],
  { prefix = `rn${process.pid}-`, subnet = '10.231.7' } = {},
): SimNetwork {
  const hosts = names.map((name, i) => ({
    name,
    ns: `${prefix}${name}`,
    ip: `${subnet}.${i + 1}`,
  }));
  for (const h of hosts) {
    if (existsSync(`/run/netns/${h.ns}`)) {
      throw new Error(`network namespace ${h.ns} exists already (left by a crashed run?)`);
    }
  }
  const [hub, ...leaves] = hosts as [SimHost, ...SimHost[]];
  const children: ChildProcess[] = [];
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  const hostsFile = join(dir, 'hosts');
  const find = (name: string) => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no simulated host ${name}`);
    return h;
  };
  const veth = (h: SimHost) => `veth${hosts.indexOf(h)}`;

  const teardown = async () => {
    for (const child of children) child.kill('SIGKILL');
    for (const h of hosts) {
      if (!existsSync(`/run/netns/${h.ns}`)) continue;
      // Every process whose network namespace this is: sshd, Redis, workers, ssh clients.
      const pids = () =>
        execFileSync('ip', ['netns', 'pids', h.ns]).toString().split('\n').filter(Boolean);
      for (const pid of pids()) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
      await waitFor(`the processes of ${h.ns} to end`, () => pids().length === 0, {
        timeoutMs: 10_000,
        everyMs: 50,
      }).catch(() => {});
      try {
        ip('netns', 'del', h.ns);
      } catch {
        // reported by the check below
      }
    }
    const left = hosts.filter((h) => existsSync(`/run/netns/${h.ns}`)).map((h) => h.ns);
    if (left.length > 0) throw new Error(`network namespaces left behind: ${left.join(', ')}`);
  };

  try {
    for (const h of hosts) {
      ip('netns', 'add', h.ns);
      ip('-n', h.ns, 'link', 'set', 'lo', 'up');
    }
    ip('-n', hub.ns, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', hub.ns, 'addr', 'add', `${hub.ip}/24`, 'dev', 'br0');
    ip('-n', hub.ns, 'link', 'set', 'br0', 'up');
    for (const h of leaves) {
      // Created inside the hub, the peer moved straight into the leaf: nothing in the root.
      ip(
        '-n',
        hub.ns,
        'link',
        'add',
        veth(h),
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        h.ns,
      );
      ip('-n', hub.ns, 'link', 'set', veth(h), 'master', 'br0', 'up');
      ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
      ip('-n', h.ns, 'link', 'set', 'eth0', 'up');
    }
    writeFileSync(
      hostsFile,
      `127.0.0.1 localhost\n${hosts.map((h) => `${h.ip} ${h.name}`).join('\n')}\n`,
    );
  } catch (error) {
    void teardown();
    throw error;
  }

  return {
    hosts,
    host: find,
    hostsFile,
    spawnOn(name, argv, log) {
      const h = find(name);
      const child = spawn(
        'ip',
        [
          ...['netns', 'exec', h.ns, 'unshare', '--uts', '--pid', '--fork', '--kill-child'],
          ...['--mount-proc', 'sh', '-c', WRAP, h.name, hostsFile, ...argv],
        ],
        { stdio: ['ignore', log, log] },
      );
      child.on('error', () => {});
      children.push(child);
      return child;
    },
    runnerArgv(name, argv) {
      const h = find(name);
      return [
        ...['ip', 'netns', 'exec', h.ns, 'unshare', '--uts', '--mount'],
        ...['sh', '-c', WRAP, h.name, hostsFile, ...argv],
      ];
    },
    linkArgv(name, state) {
      return ['ip', '-n', hub.ns, 'link', 'set', veth(find(name)), state];
    },
    teardown,
  };
}

/** Waits until something on host `h` listens on TCP `port` (looked up inside its namespace). */
export function waitListening(h: SimHost, port: number, what: string): Promise<boolean> {
  return waitFor(
    what,
    () =>
      execFileSync('ip', ['netns', 'exec', h.ns, 'ss', '-Hltn', `sport = :${port}`])
        .toString()
        .trim() !== '',
    { timeoutMs: 20_000, everyMs: 50 },
  );
}
