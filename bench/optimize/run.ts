/**
 * `npm run bench:optimize`: the rush paper's comparison in miniature on this machine.
 * 1. Proposal cost of ADBO at 100 / 1,000 / 10,000 finished evaluations.
 * 2. Utilization and evaluations in a fixed wall budget for ADBO, ACBO and CL at 16, 64 and 256
 *    in-process workers (evaluation time log-normal, sdlog 0.5, mean scaled with the workers:
 *    1 s at 16, 4 s at 64, 16 s at 256, so that proposal CPU stays under the 2 cores; `--fixed-mean`
 *    keeps 1 s everywhere).
 * 3. The setup of R's ADBO measurement (Branin, mean 1 s, 100-point design, 4/16/32 workers).
 * 4. Best-so-far against wall time, ADBO vs random search vs ASHA (by promotion, and stopping
 *    early through `report`), on Branin and Hartmann6, median and quartiles over seeds, drawn
 *    to docs/optimization-progress.png (`--plot` elsewhere; `--progress-methods` picks methods).
 * `--quick` shortens every budget. `--only cost,utilization,rsetup,progress` picks parts.
 * Results: bench/results/optimize.json and optimize.md (`--out name`: bench/results/name.*).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { startEmbeddedRedis } from '../../dist/redis/embedded-redis.js';
import { quantile } from './common.js';
import { FUNCTIONS } from './functions.js';
import { type Curve, type Panel, progressSvg, writePng } from './plot.js';
import {
  PROGRESS_METHODS,
  type ProgressMethod,
  type ProgressRun,
  runProgress,
} from './progress.js';
import { costTable, measureProposalCost } from './proposal-cost.js';
import { type Method, runUtilizationCell, type UtilizationCell } from './utilization.js';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const value = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1]! : fallback;
};
const quick = flag('quick');
const only = new Set(value('only', 'cost,utilization,rsetup,progress').split(','));
const workerCounts = value('workers', quick ? '16,64' : '16,64,256')
  .split(',')
  .map(Number);
const methods = value('methods', 'adbo,acbo,cl').split(',') as Method[];
const seconds = Number(value('seconds', quick ? '30' : '120'));
const fixedMean = flag('fixed-mean');
const seeds = Number(value('seeds', quick ? '3' : '10'));
const progressSeconds = Number(value('progress-seconds', quick ? '20' : '60'));
const progressWorkers = Number(value('progress-workers', '8'));
const progressMeanMs = Number(value('progress-mean-ms', '250'));
const progressMethods = value('progress-methods', PROGRESS_METHODS.join(',')).split(
  ',',
) as ProgressMethod[];
const outName = value('out', 'optimize');
const plotPath = value('plot', 'docs/optimization-progress.png');
const rsetupSeconds = Number(value('rsetup-seconds', quick ? '20' : '60'));
/** Workers per worker process (`rushnet worker --count`). */
const perProcess = Number(value('per-process', '8'));

const server = await startEmbeddedRedis();
const out: Record<string, unknown> = {
  date: new Date().toISOString(),
  quick,
  argv,
  load1AtStart: (await import('node:os')).loadavg()[0],
};
const md: string[] = [`# Optimization benchmark (${out.date}${quick ? ', --quick' : ''})`, ''];
const log = (line: string) => console.error(`[bench:optimize] ${line}`);
const failures: string[] = [];
out.failures = failures;
/** Writes what was measured so far (a long run that fails keeps its finished parts). */
function save(): void {
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(`bench/results/${outName}.json`, `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync(`bench/results/${outName}.md`, `${md.join('\n')}\n`);
}

try {
  if (only.has('cost')) {
    log('proposal cost');
    const cost = await measureProposalCost();
    out.cost = cost;
    md.push(
      '## ADBO proposal cost (fit + acquisition, 16 pending points)',
      '',
      costTable(cost),
      '',
    );
    save();
  }

  if (only.has('utilization')) {
    const cells: UtilizationCell[] = [];
    for (const workers of workerCounts) {
      const meanMs = fixedMean ? 1000 : 1000 * Math.max(1, workers / 16);
      for (const method of methods) {
        log(
          `utilization: ${method} with ${workers} workers, ${seconds} s, mean evaluation ${meanMs} ms`,
        );
        try {
          const cell = await runUtilizationCell(
            server.url,
            method,
            workers,
            seconds,
            meanMs,
            1,
            workers,
            perProcess,
          );
          log(
            `  ${cell.evaluations} evaluations, utilization ${(cell.utilization * 100).toFixed(1)} %`,
          );
          cells.push(cell);
        } catch (error) {
          log(`  failed: ${String(error)}`);
          failures.push(`${method} with ${workers} workers: ${String(error)}`);
        }
        out.utilization = cells;
        save();
      }
    }
    out.utilization = cells;
    md.push(
      `## Utilization and evaluations in ${seconds} s (Branin, log-normal evaluation times)`,
      '',
      '| workers | mean evaluation | method | evaluations (design) | utilization | proposal median / p90 | CPU per proposal | best y | load (1 min) |',
      '|---:|---:|---|---:|---:|---:|---:|---:|---:|',
      ...cells.map(
        (c) =>
          `| ${c.workers} | ${c.meanEvalS} s | ${c.method.toUpperCase()} | ${c.evaluations} (${c.designEvaluations}) | ${(c.utilization * 100).toFixed(1)} % | ${c.proposalMedianMs.toFixed(0)} / ${c.proposalP90Ms.toFixed(0)} ms | ${c.cpuPerProposalMs.toFixed(0)} ms | ${c.bestY.toFixed(4)} | ${c.load1.toFixed(1)} |`,
      ),
      '',
    );
  }

  if (only.has('rsetup')) {
    const cells: UtilizationCell[] = [];
    for (const workers of [4, 16, 32]) {
      log(`R's setup: ADBO with ${workers} workers, ${rsetupSeconds} s, 100-point design`);
      try {
        cells.push(
          await runUtilizationCell(server.url, 'adbo', workers, rsetupSeconds, 1000, 1, 100),
        );
      } catch (error) {
        failures.push(`R's setup with ${workers} workers: ${String(error)}`);
      }
      out.rsetup = cells;
      save();
    }
    out.rsetup = cells;
    md.push(
      `## R's ADBO setup (Branin, mean 1 s, 100-point design, ${rsetupSeconds} s)`,
      '',
      '| workers | evaluations (design / optimizer) | utilization | proposal median | CPU per proposal | worker start-up | best y |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...cells.map(
        (c) =>
          `| ${c.workers} | ${c.evaluations} (${c.designEvaluations} / ${c.evaluations - c.designEvaluations}) | ${(c.utilization * 100).toFixed(1)} % | ${c.proposalMedianMs.toFixed(0)} ms | ${c.cpuPerProposalMs.toFixed(0)} ms | ${c.startupS.toFixed(1)} s | ${c.bestY.toFixed(4)} |`,
      ),
      '',
    );
  }

  if (only.has('progress')) {
    const grid = Array.from({ length: 41 }, (_, i) => (progressSeconds * i) / 40);
    const runs: ProgressRun[] = [];
    for (const fn of [FUNCTIONS.branin!, FUNCTIONS.hartmann6!]) {
      for (let seed = 1; seed <= seeds; seed++) {
        log(`progress: ${fn.name}, seed ${seed}`);
        runs.push(
          ...(await runProgress(
            server.url,
            fn,
            seed,
            progressWorkers,
            progressSeconds,
            progressMeanMs,
            grid,
            progressMethods,
          )),
        );
        out.progress = { grid, runs };
        save();
      }
    }
    out.progress = { grid, runs };
    const colors: Record<ProgressMethod, string> = {
      adbo: '#d62728',
      random: '#1f77b4',
      asha: '#2ca02c',
      asha_stop: '#9467bd',
    };
    const labels: Record<ProgressMethod, string> = {
      adbo: 'ADBO',
      random: 'random search',
      asha: 'ASHA',
      asha_stop: 'ASHA stopping',
    };
    const loads = runs.map((r) => r.load1).sort((a, b) => a - b);
    const panels: Panel[] = [];
    md.push(
      `## Best so far (${progressWorkers} workers, mean evaluation ${progressMeanMs} ms, ${progressSeconds} s, ${seeds} seeds)`,
      '',
      `Against wall time; the methods of a seed run at the same time. 1-minute load average at the start of a seed: ${loads[0]?.toFixed(1)}–${loads.at(-1)?.toFixed(1)} (median ${quantile(loads, 0.5).toFixed(1)}) on ${(await import('node:os')).cpus().length} cores.`,
      '',
      '| function | method | evaluations (median) | stopped early (median) | regret at 25 % / 50 % / 100 % of the time: median [q1, q3] |',
      '|---|---|---:|---:|---|',
    );
    for (const fnName of ['branin', 'hartmann6']) {
      const curves: Curve[] = [];
      for (const method of progressMethods) {
        const mine = runs.filter((r) => r.fn === fnName && r.method === method);
        const at = (j: number, q: number) =>
          quantile(
            mine.map((r) => r.regret[j]!).sort((a, b) => a - b),
            q,
          );
        curves.push({
          label: labels[method],
          color: colors[method]!,
          median: grid.map((_, j) => at(j, 0.5)),
          q1: grid.map((_, j) => at(j, 0.25)),
          q3: grid.map((_, j) => at(j, 0.75)),
        });
        const cell = (j: number) =>
          `${at(j, 0.5).toPrecision(3)} [${at(j, 0.25).toPrecision(3)}, ${at(j, 0.75).toPrecision(3)}]`;
        const evals = quantile(
          mine.map((r) => r.evaluations).sort((a, b) => a - b),
          0.5,
        );
        const stopped =
          method === 'asha_stop'
            ? quantile(
                mine.map((r) => r.stopped ?? 0).sort((a, b) => a - b),
                0.5,
              )
            : '–';
        md.push(
          `| ${fnName} | ${method} | ${evals} | ${stopped} | ${cell(10)} · ${cell(20)} · ${cell(40)} |`,
        );
      }
      panels.push({ title: fnName === 'branin' ? 'Branin' : 'Hartmann6', grid, curves });
    }
    md.push('');
    mkdirSync('docs', { recursive: true });
    const caption = `median and quartiles over ${seeds} seeds · ${progressWorkers} workers · log-normal evaluation time, mean ${progressMeanMs} ms`;
    writePng(progressSvg(panels, caption), plotPath, 920, 344);
    md.push(`Plot: ${plotPath}`, '');
  }
} finally {
  await server.stop();
}
if (failures.length > 0) md.push(`Failed: ${failures.join('; ')}`, '');
save();
console.log(md.join('\n'));
