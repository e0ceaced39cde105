/**
 * The cost of one ADBO proposal (surrogate fit + acquisition) against the size of the archive:
 * 100, 1,000 and 10,000 finished evaluations, with 16 pending points, per test function. No
 * Redis: the optimizer instance is fed evaluations directly, as `optimize` does after its
 * incremental read. Prints a Markdown table; `--json` prints the numbers.
 */
import { cpuUsage } from 'node:process';
import { adbo, Rng } from '../../dist/optimize/index.js';
import { FUNCTIONS } from './functions.js';

export interface CostRow {
  fn: string;
  archive: number;
  medianMs: number;
  p90Ms: number;
  cpuMs: number;
}

export async function measureProposalCost(
  sizes = [100, 1000, 10000],
  proposals = 20,
): Promise<CostRow[]> {
  const rows: CostRow[] = [];
  for (const fn of Object.values(FUNCTIONS)) {
    for (const archive of sizes) {
      const rng = new Rng(`${fn.name}:${archive}`);
      const pending = Array.from({ length: 16 }, () => ({ key: 'p', ...fn.space.sample(rng) }));
      const rush = { fetchRunningTasks: async () => pending };
      const logger = { warn: () => {} };
      const instance = adbo().start({
        rush: rush as never,
        space: fn.space,
        rng,
        store: {} as never,
        proposer: 'bench',
        logger: logger as never,
      });
      instance.observe(
        Array.from({ length: archive }, (_, i) => {
          const xs = fn.space.sample(rng);
          return { key: `k${i}`, xs, loss: fn.f(xs), row: {} };
        }),
      );
      const times: number[] = [];
      const cpu0 = cpuUsage();
      for (let i = 0; i < proposals; i++) {
        const t0 = performance.now();
        await instance.propose();
        times.push(performance.now() - t0);
      }
      const cpu = cpuUsage(cpu0);
      times.sort((a, b) => a - b);
      rows.push({
        fn: fn.name,
        archive,
        medianMs: times[Math.floor(times.length / 2)]!,
        p90Ms: times[Math.floor(times.length * 0.9)]!,
        cpuMs: (cpu.user + cpu.system) / 1000 / proposals,
      });
    }
  }
  return rows;
}

export function costTable(rows: CostRow[]): string {
  const lines = [
    '| function | finished evaluations | proposal, median | p90 | CPU per proposal |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.fn} | ${r.archive.toLocaleString('en')} | ${r.medianMs.toFixed(1)} ms | ${r.p90Ms.toFixed(1)} ms | ${r.cpuMs.toFixed(1)} ms |`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureProposalCost();
  console.log(process.argv.includes('--json') ? JSON.stringify(rows, null, 2) : costTable(rows));
}
