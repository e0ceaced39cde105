// A BullMQ worker process for cases 3, 3c and 7: no-op jobs at the given concurrency. Plain
// JavaScript, so that it starts like a rushnet worker does (no TypeScript loader).
// Usage: node bench/bullmq-worker.mjs <redis-url> <queue> [concurrency]
import { Worker } from 'bullmq';

const [url, name, concurrency = '1'] = process.argv.slice(2);
const { hostname, port } = new URL(url);
const worker = new Worker(name, async (job) => ({ y: job.data.x * 2 }), {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
});
await worker.waitUntilReady();
process.stdout.write('ready\n');
