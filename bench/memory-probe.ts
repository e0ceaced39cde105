/** Run by case 8 in a fresh process: caches every finished task and reports memory. */
import { Rush } from '../dist/index.js';

const [url, networkId, n] = process.argv.slice(2);
const rush = await new Rush({ networkId: networkId!, config: url! }).connect();
const rows = await rush.fetchFinishedTasks();
if (rows.length < Number(n)) throw new Error('memory probe: too few rows');
globalThis.gc?.();
const { heapUsed, rss } = process.memoryUsage();
process.stdout.write(
  JSON.stringify({ heapMB: heapUsed / 2 ** 20, rssMB: rss / 2 ** 20, rows: rows.length }),
);
await rush.close();
