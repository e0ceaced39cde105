/**
 * What the scale benchmark reads around rushnet: Redis's own CPU time and command count
 * (`INFO cpu`, `INFO stats`), the memory and CPU time of worker processes (/proc/<pid>/status,
 * smaps_rollup and stat), the machine's load average, and whether a pid is a child of this
 * process.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Redis } from 'ioredis';

/** A reading of Redis's counters. */
export interface RedisSample {
  /** ms since an arbitrary origin (performance.now()). */
  at: number;
  /** used_cpu_sys + used_cpu_user, seconds. */
  cpu: number;
  /** total_commands_processed. */
  commands: number;
}

function infoField(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  if (!match) throw new Error(`INFO has no ${name}`);
  return Number(match[1]);
}

export async function sampleRedis(client: Redis): Promise<RedisSample> {
  const [cpu, stats] = await Promise.all([client.info('cpu'), client.info('stats')]);
  return {
    at: performance.now(),
    cpu: infoField(cpu, 'used_cpu_sys') + infoField(cpu, 'used_cpu_user'),
    commands: infoField(stats, 'total_commands_processed'),
  };
}

/** Redis CPU (% of one core) and commands per second between two readings. */
export function redisRates(
  from: RedisSample,
  to: RedisSample,
): { cpuPercent: number; opsPerSec: number } {
  const seconds = (to.at - from.at) / 1000;
  return {
    cpuPercent: (100 * (to.cpu - from.cpu)) / seconds,
    opsPerSec: (to.commands - from.commands) / seconds,
  };
}

/** Resident and proportional set size of a process, MB (undefined once it has exited). */
export function processMemory(pid: number): { rssMB: number; pssMB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN);
    let pss = Number.NaN;
    try {
      pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1]);
    } catch {
      // an older kernel without smaps_rollup: RSS only
    }
    return { rssMB: rss / 1024, pssMB: pss / 1024 };
  } catch {
    return undefined;
  }
}

/** Sum of the memory of `pids`, and how many were readable. */
export function totalMemory(pids: Iterable<number>): { rssMB: number; pssMB: number; n: number } {
  let rssMB = 0;
  let pssMB = 0;
  let n = 0;
  for (const pid of pids) {
    const m = processMemory(pid);
    if (!m) continue;
    rssMB += m.rssMB;
    pssMB += m.pssMB;
    n++;
  }
  return { rssMB, pssMB, n };
}

/** The parent pid of a process, or undefined once it has exited. */
export function parentPid(pid: number): number | undefined {
  try {
    // The command name (field 2) may hold spaces: the fields after it follow the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of processes so far, seconds; exited ones count 0. */
export function cpuSeconds(pids: Iterable<number>): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // exited
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Sends `signal` to the processes among `pids` that are still children of this process. */
export function signalOwnChildren(pids: Iterable<number>, signal: NodeJS.Signals): number {
  let reached = 0;
  for (const pid of pids) {
    if (parentPid(pid) !== process.pid) continue;
    try {
      process.kill(pid, signal);
      reached++;
    } catch {
      // gone meanwhile
    }
  }
  return reached;
}

/** SIGKILLs the processes among `pids` that are still children of this process. */
export const killOwnChildren = (pids: Iterable<number>): number =>
  signalOwnChildren(pids, 'SIGKILL');

/** The 1-minute load average, rounded. */
export const load1 = (): number => Math.round(loadavg()[0]! * 100) / 100;
