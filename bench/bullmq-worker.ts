/** A BullMQ worker process for case 3: processes no-op jobs with concurrency 1. */
import { Worker } from 'bullmq';

const [url, name] = process.argv.slice(2);
const { hostname, port } = new URL(url!);
const worker = new Worker(name!, async (job) => ({ y: (job.data.x as number) * 2 }), {
  connection: { host: hostname, port: Number(port), maxRetriesPerRequest: null },
  concurrency: 1,
});
await worker.waitUntilReady();
process.stdout.write('ready\n');
