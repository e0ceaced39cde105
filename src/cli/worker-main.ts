/**
 * The entry of a worker process: `rushnet worker` and nothing else. `npm run build` bundles it
 * with its dependencies into one file, dist/worker-entry.js (tools/build-worker.mjs), which the
 * local launcher runs: one file to load instead of some hundred modules, so a worker starts
 * faster. main.ts runs it too for `rushnet worker`.
 */
import { runProgram } from './program.js';
import { workerCommand } from './worker.js';

await runProgram([workerCommand], { worker: true });
