#!/usr/bin/env node
// Bundles what a worker process runs into single files, with their dependencies (ioredis,
// msgpackr, pino, commander), run by `npm run build` after tsc:
// - dist/worker-entry.js: `rushnet worker` (src/cli/worker-main.ts), which the local launcher
//   starts. Loading one file instead of some hundred modules is most of a worker's start.
// - dist/watch-thread.js: the watch thread (src/worker/watch-thread.ts). The bundled
//   watch.ts starts `./watch-thread.js` next to its own module, which is the bundle.
// msgpackr-extract (msgpackr's optional native decoder) stays outside: it finds its binary
// next to its own files. The Lua scripts are inside: src/redis/scripts/sources.ts is replaced by
// the generated dist/redis/scripts/sources.js (tools/gen-lua.mjs runs first).
// `--metafile <file>` writes esbuild's metafile (what each input adds to each output).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const metafile = process.argv.indexOf('--metafile');
const builtSources = fileURLToPath(new URL('../dist/redis/scripts/sources.js', import.meta.url));
/** Points the Lua sources module at its built form, which holds every script as a string. */
const luaSources = {
  name: 'lua-sources',
  setup(build) {
    build.onResolve({ filter: /\/sources\.js$/ }, (args) =>
      args.importer.includes('/src/redis/scripts/') || args.path.includes('redis/scripts/')
        ? { path: builtSources }
        : undefined,
    );
  },
};
const result = await build({
  entryPoints: {
    'worker-entry': 'src/cli/worker-main.ts',
    'watch-thread': 'src/worker/watch-thread.ts',
  },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['msgpackr-extract'],
  // CommonJS dependencies call require(): give the ES module one.
  banner: {
    js: "import { createRequire as __rushnetRequire } from 'node:module'; const require = __rushnetRequire(import.meta.url);",
  },
  // Smaller to read and parse; names are kept (errors are reported by their class names).
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  legalComments: 'eof',
  logLevel: 'warning',
  metafile: metafile > 0,
  plugins: [luaSources],
});
if (metafile > 0) writeFileSync(process.argv[metafile + 1], JSON.stringify(result.metafile));
