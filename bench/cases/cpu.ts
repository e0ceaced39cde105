/**
 * Where the CPU of a throughput case goes, in µs per task: the Redis server (INFO cpu), the
 * worker processes (/proc/<pid>/stat, Linux), and this process (pushing and polling).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

export interface CpuPerTask {
  redis: number;
  workers: number;
  manager: number;
}

/** CPU ms (user + system) of a process so far, from /proc (10 ms ticks); 0 when unreadable. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime, stime at 100 ticks/s
  } catch {
    return 0;
  }
}

async function redisCpuMs(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const user = Number(/used_cpu_user:([\d.]+)/.exec(info)![1]);
  const sys = Number(/used_cpu_sys:([\d.]+)/.exec(info)![1]);
  return (user + sys) * 1000;
}

/** Measures from `start()` to `stop(tasks)`. */
export class CpuMeter {
  readonly #client: Redis;
  #at: { redis: number; workers: number; manager: NodeJS.CpuUsage } | undefined;

  constructor(
    url: string,
    private readonly pids: readonly number[],
  ) {
    this.#client = new Redis(url);
  }

  async start(): Promise<void> {
    this.#at = {
      redis: await redisCpuMs(this.#client),
      workers: this.#workers(),
      manager: process.cpuUsage(),
    };
  }

  async stop(tasks: number): Promise<CpuPerTask> {
    const at = this.#at!;
    const manager = process.cpuUsage(at.manager);
    const perTask = (ms: number) => (ms * 1000) / tasks;
    const result = {
      redis: perTask((await redisCpuMs(this.#client)) - at.redis),
      workers: perTask(this.#workers() - at.workers),
      manager: perTask((manager.user + manager.system) / 1000),
    };
    this.#client.disconnect();
    return result;
  }

  #workers(): number {
    return this.pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  }
}

/** The median of each part over runs. */
export function medianCpu(runs: CpuPerTask[]): CpuPerTask {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  return {
    redis: median(runs.map((r) => r.redis)),
    workers: median(runs.map((r) => r.workers)),
    manager: median(runs.map((r) => r.manager)),
  };
}

export const formatCpu = (cpu: CpuPerTask): string =>
  `Redis ${cpu.redis.toFixed(0)}, workers ${cpu.workers.toFixed(0)}, manager ${cpu.manager.toFixed(0)}`;
