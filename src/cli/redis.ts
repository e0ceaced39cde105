/**
 * `rushnet redis`: a private redis-server for trying rushnet (no Redis to install and start by
 * hand, nothing of it kept): a temporary directory, no persistence, 127.0.0.1 only. Its URL
 * goes to stdout; Ctrl-C or SIGTERM stops it (by its own pid) and removes the directory.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { RushError } from '../errors.js';
import { startEmbeddedRedis } from '../redis/embedded-redis.js';
import { action } from './common.js';

function port(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n < 1 || n > 65535)
    throw new InvalidArgumentError('must be a port number from 1 to 65535');
  return n;
}

export function redisCommand(program: Command): void {
  program
    .command('redis')
    .description(
      'start a private redis-server on 127.0.0.1 for trying rushnet; prints its URL, stops on Ctrl-C',
    )
    .option('--port <n>', 'port to listen on (default: a free one)', port)
    .action(
      action(async (options: { port?: number }) => {
        // Its own process group: the terminal's Ctrl-C reaches this process, which stops it.
        const server = await startEmbeddedRedis([], { port: options.port, detached: true });
        let stopping = false;
        const stop = async (signal: NodeJS.Signals) => {
          if (stopping) return;
          stopping = true;
          await server.stop();
          process.stderr.write(`rushnet redis: stopped (${signal})\n`);
          process.exit(0);
        };
        process.on('SIGINT', () => void stop('SIGINT'));
        process.on('SIGTERM', () => void stop('SIGTERM'));
        process.on('SIGHUP', () => void stop('SIGHUP'));
        process.stdout.write(`${server.url}\n`);
        process.stderr.write(
          `rushnet redis: redis-server (pid ${server.pid}) in ${server.dir}; ` +
            `use it with: export REDIS_URL=${server.url}. Ctrl-C stops it and removes its data\n`,
        );
        await server.exited;
        if (stopping) return;
        await server.stop(); // removes its directory
        throw new RushError(`redis-server (pid ${server.pid}) exited unexpectedly`);
      }),
    );
}
