#!/usr/bin/env node
// The import-cycle check of CI (`npm run check:cycles`): madge over src/, type-only imports
// included, so the dependency direction is one-way for types as well as for code.
// One kind of cycle is allowed, and only between types: `Rush` names its subclass `RushWorker`
// (worker.ts) in the signatures that take a worker loop (startLocalWorkers, startWorkers,
// workerScript, and the loop's own type in worker-config/loop.ts: a loop receives a
// RushWorker), while RushWorker extends Rush. Such a cycle passes only when the module that
// closes it imports worker.ts with `import type` alone, so nothing crosses it at run time; any
// other cycle fails.
import { readFileSync } from 'node:fs';
import madge from 'madge';

const result = await madge('src', {
  fileExtensions: ['ts'],
  tsConfig: 'tsconfig.json',
  detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
});

/** Whether `file` imports worker.ts for its types only. */
function typeOnlyImportOfWorker(file) {
  const imports = readFileSync(`src/${file}`, 'utf8').match(
    /^import[^;]*?from '[./]*worker\.js';/gms,
  );
  return imports?.every((line) => line.startsWith('import type ')) ?? false;
}

const unexpected = result.circular().filter((cycle) => {
  const i = cycle.indexOf('worker.ts');
  if (i < 0) return true;
  const importer = cycle[(i - 1 + cycle.length) % cycle.length];
  return !typeOnlyImportOfWorker(importer);
});
for (const cycle of unexpected) process.stderr.write(`import cycle: ${cycle.join(' > ')}\n`);
if (unexpected.length > 0) process.exit(1);
process.stdout.write(
  `check-cycles: ${Object.keys(result.obj()).length} files, no import cycle but the type-only ` +
    'ones through RushWorker (worker.ts)\n',
);
