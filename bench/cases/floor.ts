/** The floor: the round trip of a PING from ioredis, sequential on one connection. */
import { Redis } from 'ioredis';
import { now, repeat, type Summary, summarize } from '../stats.js';

export async function measureFloor(url: string, runs: number): Promise<Summary> {
  const client = new Redis(url);
  try {
    const n = 2000;
    const values = await repeat(runs, async () => {
      const start = now();
      for (let i = 0; i < n; i++) await client.ping();
      return ((now() - start) * 1000) / n; // µs per PING
    });
    return summarize(values);
  } finally {
    client.disconnect();
  }
}
