/**
 * The SSH and Slurm launchers check their options before running anything: each mistake is a
 * RushInputError naming the argument (and never showing an environment value). No root, ssh
 * or Slurm needed: this file also runs in the main suite.
 */
import { describe, expect, it } from 'vitest';
import { RushInputError, slurmLauncher, sshLauncher } from '../../src/index.js';

function argumentOf(make: () => unknown): string | undefined {
  try {
    make();
  } catch (error) {
    if (error instanceof RushInputError) return error.argument;
    throw error;
  }
  return undefined;
}

describe('sshLauncher options', () => {
  it('names the bad argument', () => {
    const ssh = (o: unknown) => () => sshLauncher(o as Parameters<typeof sshLauncher>[0]);
    expect(argumentOf(ssh({ hosts: [] }))).toBe('hosts');
    expect(argumentOf(ssh({ hosts: 'a' }))).toBe('hosts');
    expect(argumentOf(ssh({ hosts: ['-oProxyCommand=x'] }))).toBe('hosts[0]');
    expect(argumentOf(ssh({ hosts: ['a', 'b c'] }))).toBe('hosts[1]');
    expect(argumentOf(ssh({ hosts: [{ host: 'a', port: 0 }] }))).toBe('hosts[0].port');
    expect(argumentOf(ssh({ hosts: [{ host: 'a', shell: 'x' }] }))).toBe('hosts[0].shell');
    expect(argumentOf(ssh({ hosts: [{ host: 'a', user: '-x' }] }))).toBe('hosts[0].user');
    expect(argumentOf(ssh({ hosts: ['a'], command: '' }))).toBe('command');
    expect(argumentOf(ssh({ hosts: ['a'], command: 'a\nb' }))).toBe('command');
    expect(argumentOf(ssh({ hosts: ['a'], sshOptions: '-v' }))).toBe('sshOptions');
    expect(argumentOf(ssh({ hosts: ['a'], env: { 'BAD-NAME': 'x' } }))).toBe('env.BAD-NAME');
    expect(argumentOf(ssh({ hosts: ['a'], bogus: 1 }))).toBe('options.bogus');
    expect(argumentOf(ssh({ hosts: ['a', { host: 'b', port: 2222, user: 'me' }] }))).toBe(
      undefined,
    );
  });

  it('never shows an environment value in its message', () => {
    try {
      sshLauncher({ hosts: ['a'], env: { TOKEN: 'sec\nret' } });
      expect.unreachable();
    } catch (error) {
      expect((error as RushInputError).argument).toBe('env.TOKEN');
      expect((error as Error).message).not.toMatch(/sec|ret/);
    }
  });
});

describe('slurmLauncher options', () => {
  it('names the bad argument', () => {
    const slurm = (o: unknown) => () => slurmLauncher(o as Parameters<typeof slurmLauncher>[0]);
    expect(argumentOf(slurm({ cpusPerWorker: 0 }))).toBe('cpusPerWorker');
    expect(argumentOf(slurm({ time: 'one hour' }))).toBe('time');
    expect(argumentOf(slurm({ memory: -1 }))).toBe('memory');
    expect(argumentOf(slurm({ partition: 'a\nb' }))).toBe('partition');
    expect(argumentOf(slurm({ sbatchOptions: ['--qos=x', 1] }))).toBe('sbatchOptions[1]');
    expect(argumentOf(slurm({ queue: 'x' }))).toBe('options.queue');
    expect(argumentOf(slurm({ time: 90, memory: '4G', account: 'lab', partition: 'p' }))).toBe(
      undefined,
    );
  });
});
