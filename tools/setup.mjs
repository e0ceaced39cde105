#!/usr/bin/env node
// Gets a fresh clone ready: redis-server (from the system's packages), the npm dependencies,
// and the build. Uses nothing but Node itself; each step is skipped when already done.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const say = (text) => process.stderr.write(`setup: ${text}\n`);

function onPath(program) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir && existsSync(join(dir, program)));
}

function run(program, args) {
  const result = spawnSync(program, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    say(`\`${program} ${args.join(' ')}\` failed`);
    process.exit(1);
  }
}

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  say(`rushnet needs Node.js >= 20; this is ${process.versions.node}`);
  process.exit(1);
}

if (!onPath('redis-server')) {
  const isRoot = process.getuid?.() === 0;
  if (isRoot && onPath('apt-get')) {
    say('installing redis-server with apt-get');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'redis-server']);
  } else {
    say(
      'redis-server is not installed. Install it, then run this again: ' +
        '`sudo apt-get install redis-server` (Debian/Ubuntu), `sudo dnf install redis` (Fedora) or `brew install redis` (macOS)',
    );
    process.exit(1);
  }
}

if (!existsSync(join(root, 'node_modules', '.package-lock.json'))) {
  say('installing npm dependencies');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

function newest(dir) {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    time = Math.max(time, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return time;
}

const built = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(built) || statSync(built).mtimeMs < newest(join(root, 'src'))) {
  say('building');
  run('npm', ['run', '--silent', 'build']);
}
