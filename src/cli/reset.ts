/** `rushnet reset`: remove every key of a network, after confirmation. */
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  action,
  type ConnectionFlags,
  cliConfig,
  networkOption,
  openNetwork,
  redacted,
  UsageError,
  withUrl,
} from './common.js';
import { requireNetwork } from './network-check.js';
import { visible } from './sanitize.js';

export function resetCommand(program: Command): void {
  withUrl(
    program
      .command('reset')
      .description('stop the workers of a network and remove all its data from Redis')
      .addOption(networkOption(true))
      .option('--yes', 'do not ask for confirmation'),
  ).action(
    action(async (options: ConnectionFlags & { network: string; yes?: boolean }) => {
      if (!options.yes && !process.stdin.isTTY) {
        throw new UsageError('reset needs confirmation: run it on a terminal, or pass --yes');
      }
      const rush = await openNetwork(options.network, options);
      try {
        await requireNetwork(rush);
        const [tasks, workers] = await Promise.all([rush.nTasks(), rush.nRunningWorkers()]);
        if (!options.yes) {
          const prompt = createInterface({ input: process.stdin, output: process.stdout });
          const answer = await prompt.question(
            `Remove network ${visible(rush.networkId)} from ${redacted(cliConfig(options))} ` +
              `(${tasks} tasks, ${workers} running workers)? [y/N] `,
          );
          prompt.close();
          if (!/^y(es)?$/i.test(answer.trim())) {
            process.stdout.write('nothing removed\n');
            return;
          }
        }
        await rush.reset();
        process.stdout.write(
          `removed network ${visible(rush.networkId)} (${tasks} tasks, ${workers} workers stopped)\n`,
        );
      } finally {
        await rush.close();
      }
    }),
  );
}
