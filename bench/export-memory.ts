/**
 * `rushnet export` memory: exports N finished tasks (default 1,000,000) in each format to
 * /dev/null and reports the peak RSS of the exporting process next to a baseline (the same
 * command on a network of 1,000 tasks, so the CLI, its libraries and its connection are in
 * both). Values are streamed, so the difference should stay a few tens of MB whatever N is.
 * Run after `npm run build`: node --import tsx bench/export-memory.ts [N] [formats,…]
 */
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rush } from '../dist/index.js';
import { startEmbeddedRedis } from '../dist/redis/embedded-redis.js';

const n = Number(process.argv[2] ?? 1_000_000);
const formats = (process.argv[3] ?? 'ndjson,csv,parquet').split(',');
const bin = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const PUSH = 50_000;

/** Pushes `count` finished tasks shaped like an optimization's (two inputs, one output). */
async function seed(rush: Rush, count: number): Promise<void> {
  for (let done = 0; done < count; done += PUSH) {
    const size = Math.min(PUSH, count - done);
    const xss = Array.from({ length: size }, (_, i) => ({ x1: done + i, x2: Math.random() }));
    const yss = xss.map((xs) => ({ y: xs.x1 * xs.x2, label: `run-${xs.x1 % 100}` }));
    await rush.pushFinishedTasks(xss, yss);
  }
}

/** Runs an export to /dev/null; resolves to its peak RSS (MB) and time (s). */
function measure(url: string, network: string, format: string) {
  return new Promise<{ peakMB: number; seconds: number }>((resolve, reject) => {
    const start = Date.now();
    const child = spawn(
      process.execPath,
      [bin, 'export', '--network', network, '--format', format],
      {
        env: { ...process.env, REDIS_URL: url },
        stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'],
      },
    );
    let peak = 0;
    const poll = setInterval(() => {
      try {
        // VmHWM: the highest RSS the process reached.
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
      } catch {
        // gone
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`export exited ${code}`));
      else resolve({ peakMB: peak, seconds: (Date.now() - start) / 1000 });
    });
  });
}

const server = await startEmbeddedRedis();
try {
  const small = await new Rush({ networkId: 'export-small', config: server.url }).connect();
  const large = await new Rush({ networkId: 'export-large', config: server.url }).connect();
  await seed(small, 1_000);
  const t0 = Date.now();
  await seed(large, n);
  console.log(`seeded ${n} finished tasks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(
    '| format | tasks | peak RSS (MB) | baseline, 1,000 tasks (MB) | above baseline (MB) | time (s) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const format of formats) {
    const base = await measure(server.url, 'export-small', format);
    const big = await measure(server.url, 'export-large', format);
    console.log(
      `| ${format} | ${n.toLocaleString('en')} | ${big.peakMB.toFixed(0)} | ${base.peakMB.toFixed(0)} | ` +
        `${(big.peakMB - base.peakMB).toFixed(0)} | ${big.seconds.toFixed(1)} |`,
    );
  }
  await small.close();
  await large.close();
} finally {
  await server.stop();
}
