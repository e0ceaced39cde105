/**
 * `rushnet metrics`: serves a network's Prometheus metrics at /metrics, with the dashboard's
 * rules (a token unless --no-token on 127.0.0.1, other sites refused, bounded connections).
 */
import type { Command } from 'commander';
import { startDashboard } from '../dashboard/index.js';
import {
  action,
  cliConfig,
  networkId,
  openNetwork,
  positiveNumber,
  untilInterrupted,
  withUrl,
} from './common.js';
import { checkTokenFlags, port, token } from './dashboard.js';

interface MetricsCliOptions {
  network: string;
  url?: string;
  host: string;
  port: number;
  token?: string | false;
  interval: number;
}

export function metricsCommand(program: Command): void {
  withUrl(
    program
      .command('metrics')
      .description('serve the Prometheus metrics of a network at /metrics')
      .requiredOption(
        '--network <id>',
        'network id (default: $RUSHNET_NETWORK)',
        networkId,
        process.env.RUSHNET_NETWORK || undefined,
      )
      .option('--host <address>', 'address to listen on', '127.0.0.1')
      .option('--port <n>', 'port to listen on (0: a free one)', port, 0)
      .option('--token <token>', 'require this token (default: a new random one)', token)
      .option('--no-token', 'require no token (only with --host 127.0.0.1)')
      .option('--interval <s>', 'seconds between reads of the network', positiveNumber, 1),
  ).action(
    action(async (options: MetricsCliOptions) => {
      checkTokenFlags(options);
      const config = cliConfig(options);
      // Fail fast on a wrong address; later outages make the scrape fail (HTTP 503).
      await (await openNetwork(options.network, options)).close();
      const server = await startDashboard({
        config,
        network: options.network,
        host: options.host,
        port: options.port,
        token: options.token,
        interval: options.interval,
        metricsOnly: true,
      });
      const auth = server.token
        ? `\n(Prometheus: authorization: { type: Bearer, credentials: <the token> })`
        : '';
      process.stdout.write(
        `rushnet metrics: network ${options.network} on ${server.redis}\n  ${server.url}${auth}\n(Ctrl-C to stop)\n`,
      );
      const interrupt = untilInterrupted();
      while (!interrupt.stopped()) await interrupt.wait(60_000);
      await server.close();
    }),
  );
}
