/**
 * sshLauncher across simulated hosts: three network namespaces with their own hostnames. Host A
 * runs Redis and the manager (ssh-scenario.ts, started inside A), hosts B and C run sshd with a
 * key made here. Workers spread over B and C; B's link is cut (its workers are declared lost
 * and their tasks failed while C carries on) and restored (B's dropped workers stop without
 * writing results; new workers on B join). Everything is torn down afterwards, also on failure.
 * Run with `npm run test:hosts` (needs root, iproute2, openssh-server, and `npm run build`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createNetwork,
  netnsUnavailable,
  type SimNetwork,
  waitListening,
} from '../helpers/netns.js';
import { makeKey, sshdUnavailable, startSshd, writeClientConfig } from '../helpers/sshd.js';
import { hostsTestsSkipReason, REPO, WORKER_COMMAND } from './setup.js';

const skip = hostsTestsSkipReason() ?? netnsUnavailable() ?? sshdUnavailable();
if (skip) console.warn(`multi-host ssh test skipped: ${skip}`);

const PORTS = { hostB: 2201, hostC: 2202 };
const REDIS_PORT = 6390;

describe.skipIf(skip !== undefined)('sshLauncher on simulated hosts', () => {
  const password = randomBytes(12).toString('hex');
  const token = randomBytes(12).toString('hex');
  let dir = '';
  let net: SimNetwork | undefined;
  let scenario: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rushnet-mh-'));
    net = createNetwork(dir, ['hostA', 'hostB', 'hostC']);
    const client = makeKey(join(dir, 'id_ed25519'), 'rushnet-test-client');
    const wrongKey = makeKey(join(dir, 'id_wrong'), 'not-authorized');
    for (const [name, port] of Object.entries(PORTS)) {
      await startSshd(net, name, { dir, port, authorizedKeys: `${client}.pub` });
    }
    const a = net.host('hostA');
    // The password in a file, not on redis-server's command line (the test looks at them all).
    const conf = join(dir, 'redis.conf');
    writeFileSync(
      conf,
      [
        `bind ${a.ip}`,
        `port ${REDIS_PORT}`,
        'protected-mode no',
        `requirepass ${password}`,
        'save ""',
        'appendonly no',
        `dir ${dir}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    net.spawnOn('hostA', ['redis-server', conf], 'ignore');
    await waitListening(a, REDIS_PORT, 'Redis on hostA');
    const logDir = join(dir, 'logs');
    mkdirSync(logDir);
    scenario = {
      RN_SCENARIO: JSON.stringify({
        redisUrl: `redis://:${password}@hostA:${REDIS_PORT}`,
        password,
        token,
        workerCommand: WORKER_COMMAND,
        sshConfig: writeClientConfig(join(dir, 'ssh_config'), {
          identityFile: client,
          ports: PORTS,
        }),
        identityFile: client,
        wrongKey,
        portB: PORTS.hostB,
        logDir,
        cut: net.linkArgv('hostB', 'down'),
        restore: net.linkArgv('hostB', 'up'),
      }),
    };
  }, 60_000);

  afterAll(async () => {
    await net?.teardown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('spreads workers over B and C, survives a cut of B, and stops cleanly', async () => {
    const knownHosts = join(homedir(), '.ssh/known_hosts');
    const knownBefore = existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : undefined;
    const argv = net!.runnerArgv('hostA', [
      process.execPath,
      '--import',
      'tsx',
      join(REPO, 'test/hosts/ssh-scenario.ts'),
    ]);
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: REPO,
      env: { ...process.env, ...scenario },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (code !== 0 || !line) {
      throw new Error(`the scenario failed (exit ${code}):\n${stderr}\n${stdout}`);
    }
    const r = JSON.parse(line.slice('RESULT '.length));
    if (process.env.RN_VERBOSE) console.log(stderr);
    const [b1, b2] = r.onB as [string, string];
    const [c1, c2] = r.onC as [string, string];

    // Start failures name the host and say what went wrong; nothing is left registered.
    expect(r.errors.hostKey.name).toBe('RushConfigError');
    expect(r.errors.hostKey.message).toMatch(/hostB.*Host key verification failed/);
    expect(r.errors.auth.name).toBe('RushConfigError');
    expect(r.errors.auth.message).toMatch(/root@hostB:2201.*Permission denied/);
    expect(r.errors.command.name).toBe('RushConfigError');
    expect(r.errors.command.message).toMatch(/hostC.*'rushnet-no-such-cmd' was not found/);
    expect(r.errors.messageLog.name).toBe('RushInputError');
    expect(r.errors.messageLog.message).toMatch(/messageLog.*existing directory on host 'hostC'/);
    expect(r.workersAfterErrors).toBe(0);

    // Round robin, and each worker knows its host.
    expect(r.hostnames).toEqual({ [b1]: 'hostB', [b2]: 'hostB', [c1]: 'hostC', [c2]: 'hostC' });
    // Secrets travel in the environment, never on a command line.
    expect(r.environHasPassword).toBe(true);
    expect(r.environHasToken).toBe(true);
    expect(r.cmdlinesWithSecrets).toEqual([]);
    expect(r.aliveBeforeCut).toEqual([true, true, true, true]);

    // The cut: B's workers (only they) are lost, their tasks failed; B cannot be asked.
    expect([...r.lost].sort()).toEqual([b1, b2].sort());
    expect(r.failedOfB.length).toBeGreaterThanOrEqual(2);
    expect(r.runningOfBAfterLoss).toBe(0);
    for (const f of r.failedOfB) expect(f.message).toBe('Worker has crashed or was killed');
    expect(r.isAliveDuringCut).toBeUndefined();
    expect(r.cRunningDuringCut).toEqual([c1, c2].sort());

    // Back online, B's dropped workers stopped without writing a result.
    expect(r.failedStillFailed.every(Boolean)).toBe(true);
    expect(r.finishedByOldB.end).toBe(r.finishedByOldB.atLoss);

    // New workers on B joined and worked; everything stopped at the end.
    expect(r.freshHostnames).toEqual(['hostB', 'hostB']);
    expect(r.sshAfterUnsupervisedStart).toBe('closed');
    expect(r.stopped).toEqual(r.expectedStopped);
    expect(r.aliveAfterStop).toEqual([false, false, false, false]);
    expect(r.workerProcessesLeft).toEqual([]);
    expect(r.sshLeft).toEqual([]);
    // Supervised workers die with their manager, even one killed with SIGKILL.
    expect(r.orphanGone).toBe(true);
    // What the workers wrote to stderr went to messageLog on their host.
    const log = readFileSync(join(dir, 'logs', `message_${b1}.log`), 'utf8');
    expect(log).not.toContain(password);
    // The user's own ssh files were left alone.
    expect(existsSync(knownHosts) ? readFileSync(knownHosts, 'utf8') : undefined).toBe(knownBefore);
  }, 300_000);
});
