#!/usr/bin/env node
// The import-cycle check of CI (`npm run check:cycles`): madge over src/, type-only imports
// included, so the dependency direction is one-way for types as well as for code.
// One cycle is allowed, and only between types: `Rush` (rush.ts) names its subclass
// `RushWorker` (worker.ts) in the signatures of startLocalWorkers/startWorkers/workerScript (a
// worker loop receives a RushWorker), while RushWorker extends Rush. Nothing at run time
// crosses it (rush.ts imports worker.ts with `import type` only), and a test of the types holds
// the loop's worker to exactly `RushWorker`. Any other cycle fails.
import madge from 'madge';

const ALLOWED = [['rush.ts', 'worker.ts']];

const result = await madge('src', {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
});
const same = (a, b) => a.length === b.length && a.every((file, i) => file === b[i]);
const cycles = result.circular();
const unexpected = cycles.filter((cycle) => !ALLOWED.some((allowed) => same(cycle, allowed)));
for (const cycle of unexpected) process.stderr.write(`import cycle: ${cycle.join(' > ')}\n`);
if (unexpected.length > 0) process.exit(1);
process.stdout.write(
  `check-cycles: ${Object.keys(result.obj()).length} files, no import cycle (types included) ` +
    `but the allowed ${ALLOWED.map((c) => c.join(' > ')).join(', ')}\n`,
);
