/**
 * Two builds side by side: runs `bench/run.ts --cases …` in each checkout in turn (before,
 * after, before, after, …) so both see the same minutes of a shared machine, then writes one
 * table of both to bench/results/compare.{md,json} of this checkout.
 *
 *   node bench/compare.mjs --before ../rushnet-old --after . --cases 0,1,2,2a,3,9 --rounds 3
 *
 * Each checkout must be built (`npm run build`) with its node_modules installed. BullMQ runs
 * with the after build only (it does not change between builds); `--no-bullmq` skips it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: '.' },
    cases: { type: 'string', default: '0,1,2,2a,3' },
    rounds: { type: 'string', default: '2' },
    'no-bullmq': { type: 'boolean', default: false },
  },
});
if (!o.before) throw new Error('--before <checkout> is required');
const rounds = Number(o.rounds);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be an integer ≥ 1');

const here = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const builds = { before: resolve(o.before), after: resolve(o.after) };
const sha = (dir) =>
  execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();

/** One run of the suite in `dir`; returns its rows. */
function runOnce(dir, bullmq) {
  const args = ['--import', 'tsx', 'bench/run.ts', '--cases', o.cases];
  if (!bullmq) args.push('--no-bullmq');
  execFileSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  return JSON.parse(readFileSync(join(dir, 'bench/results/partial.json'), 'utf8')).rows;
}

const runs = { before: [], after: [] };
for (let round = 0; round < rounds; round++) {
  for (const name of ['before', 'after']) {
    const bullmq = name === 'after' && round === 0 && !o['no-bullmq'];
    process.stderr.write(`compare: round ${round + 1}, ${name} (${sha(builds[name])})\n`);
    runs[name].push({ rows: runOnce(builds[name], bullmq), load: loadavg()[0] });
  }
}

const fmt = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const key = (row) => `${row.case} ${row.what}`;
const lines = [
  `Before: ${sha(builds.before)}; after: ${sha(builds.after)}; ${rounds} rounds, alternating; ${new Date().toISOString()}.`,
  'Each cell: the median of each round (in run order). BullMQ: the first after-round.',
  '',
  '| case | what | unit | before | after | BullMQ |',
  '|---|---|---|---|---|---|',
];
const table = [];
for (const row of runs.after[0].rows) {
  const cell = (name) =>
    runs[name]
      .map((run) => run.rows.find((r) => key(r) === key(row))?.value.median)
      .filter((v) => v !== undefined);
  const before = cell('before');
  const after = cell('after');
  const bullmq = row.bullmq?.median;
  table.push({
    case: row.case,
    what: row.what,
    unit: row.unit,
    before,
    after,
    bullmq,
    detail: row.detail,
  });
  lines.push(
    `| ${row.case} | ${row.what} | ${row.unit} | ${before.map(fmt).join(', ')} | ${after.map(fmt).join(', ')} | ${bullmq === undefined ? '' : fmt(bullmq)} |`,
  );
}
lines.push(
  '',
  `Load averages after each run: before ${runs.before.map((r) => r.load.toFixed(1)).join(', ')}; after ${runs.after.map((r) => r.load.toFixed(1)).join(', ')}.`,
);
for (const name of ['before', 'after']) {
  for (const [i, run] of runs[name].entries()) {
    for (const row of run.rows)
      if (row.detail) lines.push(`- ${name} ${i + 1}, case ${row.case}: ${row.detail}`);
  }
}
mkdirSync(join(here, 'bench/results'), { recursive: true });
writeFileSync(join(here, 'bench/results/compare.md'), `${lines.join('\n')}\n`);
writeFileSync(
  join(here, 'bench/results/compare.json'),
  `${JSON.stringify({ builds: { before: sha(builds.before), after: sha(builds.after) }, rounds, table, runs }, null, 2)}\n`,
);
process.stdout.write(`${lines.join('\n')}\n`);
